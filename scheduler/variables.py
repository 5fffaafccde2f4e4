"""The CP-SAT decision variables of the rostering model, and turning their values into a Roster."""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from scheduler.candidates import Candidate, all_candidates
from scheduler.domain import Activity, Agent, Break, Problem, Roster, Shift


class Variables:
    """Shift choices, meal-break starts and activities, created only where they can occur.

    - `shift[agent, day, i]`: the agent works candidate i of that day;
    - `works[agent, day]`: the agent works some shift that day (implied by any `shift`);
    - `break_start[agent, day, t]`: the day's meal break starts in interval t;
    - `coffee_start[agent, day, t]`: one of the day's paid coffee breaks starts in interval t;
    - `activity[agent, queue, t]`: the agent works the queue in interval t, created only for
      certified queues that are open at t inside some candidate shift of the agent.
    """

    def __init__(self, model: cp_model.CpModel, problem: Problem) -> None:
        self.model = model
        self.problem = problem
        self.agents: dict[str, Agent] = {agent.key: agent for agent in problem.agents}
        self.candidates = all_candidates(problem)
        self.shift: dict[tuple[str, int, int], cp_model.IntVar] = {}
        self.works: dict[tuple[str, int], cp_model.IntVar] = {}
        self.break_start: dict[tuple[str, int, int], cp_model.IntVar] = {}
        self.coffee_start: dict[tuple[str, int, int], cp_model.IntVar] = {}
        self.activity: dict[tuple[str, str, int], cp_model.IntVar] = {}
        # set by the weekly_rest rule: the agent's weekly rest lies around day d (a day off)
        self.weekly_rest: dict[tuple[str, int], cp_model.IntVar] = {}
        self._covering: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        self._breaking: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        self._by_agent: dict[tuple[str, int], dict[str, cp_model.IntVar]] = defaultdict(dict)
        self._by_queue: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        for agent in problem.agents:
            self._add_agent(agent)

    def _add_agent(self, agent: Agent) -> None:
        """Create one agent's variables and the indexes the rules read them through."""
        a = agent.key
        for d, candidates in self.candidates[a].items():
            works = self.model.new_bool_var(f"works[{a},{d}]")
            self.works[a, d] = works
            for i, c in enumerate(candidates):
                x = self.model.new_bool_var(f"shift[{a},{d},{i}]")
                self.shift[a, d, i] = x
                self.model.add_implication(x, works)
                for t in range(c.start, c.end):
                    self._covering[a, t].append(x)
                for s in c.break_starts:
                    if (a, d, s) not in self.break_start:
                        b = self.model.new_bool_var(f"break[{a},{d},{s}]")
                        self.break_start[a, d, s] = b
                        for t in range(s, s + c.break_intervals):
                            self._breaking[a, t].append(b)
                for s in sorted({s for w in c.coffee_windows for s in w}):
                    if (a, d, s) not in self.coffee_start:
                        b = self.model.new_bool_var(f"coffee[{a},{d},{s}]")
                        self.coffee_start[a, d, s] = b
                        # a coffee break is a break too: no queue then, and no overlap with
                        # the meal break (one_queue_per_working_interval sees both)
                        for t in range(s, s + c.coffee_intervals):
                            self._breaking[a, t].append(b)
            # `works` implies some shift: together with the implications above, works == any x.
            self.model.add_bool_or([self.shift[a, d, i] for i in range(len(candidates))])\
                .only_enforce_if(works)
        for t in self.agent_intervals(a):
            for q in sorted(agent.skills):
                if self.problem.is_open[q][t]:
                    y = self.model.new_bool_var(f"activity[{a},{q},{t}]")
                    self.activity[a, q, t] = y
                    self._by_agent[a, t][q] = y
                    self._by_queue[q, t].append(y)

    def day_candidates(self, agent: str, day: int) -> list[tuple[Candidate, cp_model.IntVar]]:
        """The agent's candidates on a day with their choice variables."""
        return [(c, self.shift[agent, day, i]) for i, c in enumerate(self.candidates[agent][day])]

    def day_break_starts(self, agent: str, day: int) -> dict[int, cp_model.IntVar]:
        """Meal-break start variables of an agent's day, keyed by interval."""
        starts = {s for c in self.candidates[agent][day] for s in c.break_starts}
        return {s: self.break_start[agent, day, s] for s in sorted(starts)}

    def day_coffee_starts(self, agent: str, day: int) -> dict[int, cp_model.IntVar]:
        """Coffee-break start variables of an agent's day, keyed by interval."""
        starts = {s for c in self.candidates[agent][day] for w in c.coffee_windows for s in w}
        return {s: self.coffee_start[agent, day, s] for s in sorted(starts)}

    def agent_intervals(self, agent: str) -> list[int]:
        """Intervals some candidate shift of the agent covers, in order."""
        return sorted({t for c in self._all(agent) for t in range(c.start, c.end)})

    def _all(self, agent: str) -> list[Candidate]:
        """Every candidate of the agent over the period."""
        return [c for day in self.candidates[agent].values() for c in day]

    def on_shift(self, agent: str, t: int) -> cp_model.LinearExprT:
        """1 when the agent's chosen shift covers interval t."""
        return sum(self._covering.get((agent, t), []))

    def on_break(self, agent: str, t: int) -> cp_model.LinearExprT:
        """1 when the agent is on a meal or coffee break in interval t."""
        return sum(self._breaking.get((agent, t), []))

    def agent_activities(self, agent: str, t: int) -> dict[str, cp_model.IntVar]:
        """The agent's activity variables in interval t, keyed by queue."""
        return self._by_agent.get((agent, t), {})

    def queue_activities(self, queue: str, t: int) -> list[cp_model.IntVar]:
        """Activity variables of every agent who could work the queue in interval t."""
        return self._by_queue.get((queue, t), [])

    def hint(self, roster: Roster) -> None:
        """Hint the solver with a previous roster's shifts, breaks and activities."""
        grid = self.problem.grid
        shifts, breaks, coffee, activities = set(), set(), set(), set()
        for shift in roster.shifts:
            try:
                shifts.add((shift.agent, grid.index_of(shift.start), grid.index_of(shift.end),
                            shift.shift_type))
                breaks.update((shift.agent, grid.index_of(b.start)) for b in shift.breaks
                              if b.kind != "coffee")
                coffee.update((shift.agent, grid.index_of(b.start)) for b in shift.breaks
                              if b.kind == "coffee")
                for act in shift.activities:
                    for t in range(grid.index_of(act.start), grid.index_of(act.end)):
                        activities.add((shift.agent, act.queue, t))
            except ValueError:
                continue  # a shift off this grid says nothing about this problem
        worked = set()
        for (a, d, i), x in self.shift.items():
            c = self.candidates[a][d][i]
            chosen = (a, c.start, c.end, c.shift_type) in shifts
            self.model.add_hint(x, chosen)
            if chosen:
                worked.add((a, d))
        for key, works in self.works.items():
            self.model.add_hint(works, key in worked)
        self._hint_weekly_rest({(a, start, end) for a, start, end, _ in shifts})
        for (a, _, s), b in self.break_start.items():
            self.model.add_hint(b, (a, s) in breaks)
        for (a, _, s), b in self.coffee_start.items():
            self.model.add_hint(b, (a, s) in coffee)
        for key, y in self.activity.items():
            self.model.add_hint(y, key in activities)

    def _hint_weekly_rest(self, shifts: set[tuple[str, int, int]]) -> None:
        """Hint each weekly-rest choice true where the hinted shifts leave that rest.

        Without these the hint is incomplete and CP-SAT may take long to complete it.
        """
        grid = self.problem.grid
        agents = {a for (a, _) in self.weekly_rest}
        spans: dict[tuple[str, int], tuple[int, int]] = {}
        for a, start, end in shifts:
            if a in agents and 0 <= start < grid.n_intervals:
                spans[a, grid.day_index_of(start)] = (start, end)
        # the shift's own day may differ from the day its start interval falls on only for
        # starts after midnight; the rule's expressions use the candidate's day, so match them
        for (a, d, i) in self.shift:
            c = self.candidates[a][d][i]
            if (a, c.start, c.end) in shifts:
                spans[a, d] = (c.start, c.end)
        for (a, d), var in self.weekly_rest.items():
            contract = self.agents[a].contract
            rest = -(-contract.min_weekly_rest_minutes // grid.interval_minutes)
            if (a, d) in spans:
                self.model.add_hint(var, False)
                continue
            before = spans[a, d - 1][1] if (a, d - 1) in spans else self._day_start(d)
            if d == 0:
                before = -rest  # the rule's own boundary case is checked by the rule itself
            after = spans[a, d + 1][0] if (a, d + 1) in spans else self._day_start(d + 2)
            if d + 1 >= grid.days:
                after = before + rest
            self.model.add_hint(var, after - before >= rest)

    def _day_start(self, d: int) -> int:
        """Interval index of local midnight starting day d (d may be past the period)."""
        grid = self.problem.grid
        return grid.n_intervals if d >= grid.days else grid.day_range(d).start

    def extract(self, solver: cp_model.CpSolver) -> Roster:
        """The roster the solver's current values describe, in UTC."""
        grid = self.problem.grid
        shifts = []
        for (a, d, i), x in self.shift.items():
            if not solver.boolean_value(x):
                continue
            c = self.candidates[a][d][i]
            paid = self.agents[a].shift_rule.meal_break_paid
            starts = [s for s in c.break_starts if solver.boolean_value(self.break_start[a, d, s])]
            breaks = tuple(
                Break(grid.interval_start(s), grid.interval_start(s + c.break_intervals), paid=paid)
                for s in starts[:1]
            )
            resting = {t for s in starts[:1] for t in range(s, s + c.break_intervals)}
            coffee = [s for s in sorted({s for w in c.coffee_windows for s in w})
                      if solver.boolean_value(self.coffee_start[a, d, s])]
            breaks += tuple(
                Break(grid.interval_start(s), grid.interval_start(s + c.coffee_intervals),
                      kind="coffee", paid=True)
                for s in coffee
            )
            breaks = tuple(sorted(breaks, key=lambda b: b.start))
            resting |= {t for s in coffee for t in range(s, s + c.coffee_intervals)}
            shifts.append(
                Shift(
                    agent=a,
                    day=grid.day_list[d],
                    start=grid.interval_start(c.start),
                    end=grid.interval_start(c.end),
                    breaks=breaks,
                    activities=self._activities(solver, a, c, resting),
                    shift_type=c.shift_type,
                )
            )
        shifts.sort(key=lambda s: (s.agent, s.start))
        return Roster(tuple(shifts))

    def _activities(
        self, solver: cp_model.CpSolver, agent: str, c: Candidate, resting: set[int]
    ) -> tuple[Activity, ...]:
        """The agent's activities in a chosen shift, consecutive intervals on a queue merged."""
        blocks: list[tuple[str, int, int]] = []  # (queue, first, end)
        for t in range(c.start, c.end):
            if t in resting:
                continue
            queues = [q for q, y in self.agent_activities(agent, t).items()
                      if solver.boolean_value(y)]
            if not queues:
                continue
            q = queues[0]
            if blocks and blocks[-1][0] == q and blocks[-1][2] == t:
                blocks[-1] = (q, blocks[-1][1], t + 1)
            else:
                blocks.append((q, t, t + 1))
        grid = self.problem.grid
        return tuple(
            Activity(q, grid.interval_start(first), grid.interval_start(end))
            for q, first, end in blocks
        )
