"""Keep promises in a roster by moving agents already on shift onto the promised queues.

A re-plan after an approved capacity request starts from the published roster, where the
promised extra agents are missing. CP-SAT's search finds such moves slowly on a full week
(presolve alone eats most of a short time limit), so the start roster gets them first: an
agent on shift during a promised window who is certified for the queue, and now on another
queue or back-office work, takes the queue for a stretch of their shift when the weighted
objective gains by it and every hard rule still holds (checked with the validator). Shift
times never move, so no agent-day counts as changed.
"""

from __future__ import annotations

from dataclasses import replace

from scheduler.coverage import coverage
from scheduler.domain import Activity, Agent, Problem, Roster, Shift
from scheduler.penalties import COMMITMENT_FACTOR, OFF_QUEUE_WEIGHT
from scheduler.validate import validate


def without_unworkable_shifts(problem: Problem, roster: Roster) -> Roster:
    """The roster less shifts that can no longer be worked: of agents no longer planned, and
    on days now approved off. What remains is a valid start more often than not, so a re-plan
    whose time limit runs out before CP-SAT finds a roster still returns one."""
    agents = {a.key: a for a in problem.agents}
    kept = tuple(s for s in roster.shifts
                 if s.agent in agents and s.day not in agents[s.agent].time_off)
    return roster if len(kept) == len(roster.shifts) else Roster(kept)


def keep_promises(problem: Problem, roster: Roster) -> Roster:
    """The roster with on-shift agents moved onto queues short of promised agents."""
    if not problem.committed:
        return roster
    state = _State(problem, roster)
    for queue_key in sorted(problem.committed):
        for first, end in state.short_runs(queue_key):
            state.fill(queue_key, first, end)
    return state.roster()


class _State:
    """The roster being repaired, its coverage, and the gain of each possible move."""

    def __init__(self, problem: Problem, roster: Roster) -> None:
        self.problem = problem
        self.shifts = list(roster.shifts)
        self.covered = {k: list(v) for k, v in coverage(problem, roster).items()}
        self.agents = {a.key: a for a in problem.agents}
        self.queues = {q.key: q for q in problem.queues}

    def roster(self) -> Roster:
        """The repaired roster."""
        return Roster(tuple(self.shifts))

    def short_runs(self, queue_key: str) -> list[tuple[int, int]]:
        """Runs of consecutive intervals where the queue has fewer agents than promised."""
        promised, runs, t = self.problem.committed[queue_key], [], 0
        while t < len(promised):
            if promised[t] > self.covered[queue_key][t]:
                first = t
                while t < len(promised) and promised[t] > self.covered[queue_key][t]:
                    t += 1
                runs.append((first, t))
            else:
                t += 1
        return runs

    def fill(self, queue_key: str, first: int, end: int) -> None:
        """Move agents onto the queue in [first, end), best gain first, while it pays."""
        while True:
            best = None
            for i, shift in enumerate(self.shifts):
                agent = self.agents.get(shift.agent)
                if agent is None or queue_key not in agent.skills:
                    continue
                for a, b in self._stretches(shift, queue_key, first, end):
                    gain = self._gain(shift, queue_key, a, b)
                    if gain > 0 and (best is None or gain > best[0]):
                        candidate = _reassigned(self.problem, shift, queue_key, a, b)
                        if self._valid(agent, i, candidate):
                            best = (gain, i, candidate)
            if best is None:
                return
            _, i, candidate = best
            self._apply(i, candidate)
            if not any(self.problem.committed[queue_key][t] > self.covered[queue_key][t]
                       for t in range(first, end)):
                return

    def _stretches(self, shift: Shift, queue_key: str, first: int, end: int) -> set:
        """Spans of the shift to move onto the queue: the window's part of each working
        segment, and that part stretched to the segment's ends (for minimum block lengths)."""
        grid = self.problem.grid
        open_ = self.problem.is_open[queue_key]
        on = _queues_by_interval(self.problem, shift)
        found = set()
        for seg_start, seg_end in _working_segments(self.problem, shift):
            a, b = max(seg_start, first), min(seg_end, end)
            if a >= b or all(on.get(t) == queue_key for t in range(a, b)):
                continue
            for x, y in ((a, b), (seg_start, b), (a, seg_end), (seg_start, seg_end)):
                if all(open_[t] for t in range(x, y)) and 0 <= x < y <= grid.n_intervals:
                    found.add((x, y))
        return found

    def _gain(self, shift: Shift, target: str, a: int, b: int) -> int:
        """How much the objective drops when the shift works `target` in [a, b)."""
        on = _queues_by_interval(self.problem, shift)
        gain = 0
        for t in range(a, b):
            source = on.get(t)
            if source == target:
                continue
            gain += self._value_of_one_more(target, t)
            if source is None:
                gain += OFF_QUEUE_WEIGHT  # back-office time no longer idle
            else:
                gain -= self._value_of_one_more(source, t, minus=True)
        return gain

    def _value_of_one_more(self, key: str, t: int, *, minus: bool = False) -> int:
        """Objective gain of one more agent on a queue in interval t (or loss of one fewer)."""
        queue = self.queues[key]
        have = self.covered[key][t] - (1 if minus else 0)  # the count before the extra agent
        required = self.problem.requirement[key][t]
        promised = self.problem.committed.get(key, ())
        value = queue.shortfall_weight if have < required else -queue.overstaffing_weight
        if promised and have < promised[t]:
            value += COMMITMENT_FACTOR * queue.shortfall_weight
        return value

    def _valid(self, agent: Agent, index: int, candidate: Shift) -> bool:
        """Whether the agent's shifts, with the candidate in place, break no hard rule."""
        own = [candidate if i == index else s for i, s in enumerate(self.shifts)
               if s.agent == agent.key]
        alone = replace(self.problem, agents=(agent,), committed={}, fixed_before={
            k: v for k, v in self.problem.fixed_before.items() if k == agent.key})
        return not validate(alone, Roster(tuple(own)))

    def _apply(self, index: int, candidate: Shift) -> None:
        """Put the candidate shift in the roster and update coverage."""
        for key, t in _queue_intervals(self.problem, self.shifts[index]):
            self.covered[key][t] -= 1
        for key, t in _queue_intervals(self.problem, candidate):
            self.covered[key][t] += 1
        self.shifts[index] = candidate


def _queue_intervals(problem: Problem, shift: Shift) -> list[tuple[str, int]]:
    """(queue, interval) pairs the shift works."""
    return [(key, t) for t, key in _queues_by_interval(problem, shift).items()]


def _queues_by_interval(problem: Problem, shift: Shift) -> dict[int, str]:
    """The queue the shift works in each of its intervals (absent: break or back office)."""
    grid = problem.grid
    found = {}
    for act in shift.activities:
        for t in range(grid.index_of(act.start), grid.index_of(act.end)):
            found[t] = act.queue
    return found


def _working_segments(problem: Problem, shift: Shift) -> list[tuple[int, int]]:
    """The shift's stretches between breaks, as interval index ranges."""
    grid = problem.grid
    cuts = sorted((grid.index_of(b.start), grid.index_of(b.end)) for b in shift.breaks)
    segments, cursor = [], grid.index_of(shift.start)
    for start, end in cuts:
        if start > cursor:
            segments.append((cursor, start))
        cursor = max(cursor, end)
    if cursor < grid.index_of(shift.end):
        segments.append((cursor, grid.index_of(shift.end)))
    return segments


def _reassigned(problem: Problem, shift: Shift, queue_key: str, a: int, b: int) -> Shift:
    """The shift working `queue_key` in [a, b), the rest as it was."""
    grid = problem.grid
    on = _queues_by_interval(problem, shift)
    for t in range(a, b):
        on[t] = queue_key
    activities, run = [], None
    for t in sorted(on):
        if run and run[0] == on[t] and run[2] == t:
            run[2] = t + 1
        else:
            if run:
                activities.append(run)
            run = [on[t], t, t + 1]
    if run:
        activities.append(run)
    return replace(shift, activities=tuple(
        Activity(q, grid.interval_start(x), grid.interval_start(y)) for q, x, y in activities))
