"""Shortfalls and contradictory hard rules explained in a coordinator's words.

`explain_shortfall` groups consecutive short intervals of a queue and says what the certified
agents were doing at the worst moment ("Webshop chat sv, Sat 14:00–16:00, short 3: only 4
certified agents, 2 on approved time off, 2 on other queues"). `explain_infeasible` names the
agents and the hard rules that contradict each other: every hard rule binds one agent, so a
contradiction is found agent by agent, and a deletion filter keeps only the rules needed for it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from ortools.sat.python import cp_model

from scheduler import rules as hard
from scheduler.candidates import agent_candidates, skilled_open
from scheduler.coverage import shortfall as count_shortfall
from scheduler.day_rules import DAY_RULES
from scheduler.domain import Agent, Problem, Queue, Roster, Shift
from scheduler.variables import Variables

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
RULE_WORDS = {
    "one_shift_per_day": "one shift per day",
    "meal_break": "meal break",
    "one_queue_per_working_interval": "one queue at a time",
    "daily_rest": "daily rest",
    "weekly_paid_minutes": "contract hours per week",
    "rest_after_previous_roster": "daily rest after the published roster",
    "max_consecutive_days": "consecutive working days",
    "weekly_rest": "weekly rest",
    "min_activity_block": "minimum activity block",
    "max_shifts_per_type": "shifts per type",
    "period_paid_minutes": "contract hours over the period",
    "min_consecutive_days": "minimum run of working days",
    "min_consecutive_days_off": "minimum run of days off",
    "max_weekends": "weekends worked",
    "forbidden_successions": "forbidden shift successions",
}
# the shape of a shift, always kept: without them a contradiction could "vanish" into two shifts
# a day or a shift without its break, which is no answer for a coordinator
FOUNDATION = (hard.one_shift_per_day, hard.meal_break, hard.one_queue_per_working_interval)
IMPLIED = "approved time off, daily maximum and shift rule (start window, lengths)"
CHECK_SECONDS = 5.0  # per agent and rule subset; tiny one-agent models answer in milliseconds


@dataclass(frozen=True)
class Shortfall:
    """A run of consecutive short intervals on one queue, with the reason in words."""

    queue: str
    first: int  # interval index
    end: int  # exclusive
    short: int  # most agents missing in one interval of the run
    text: str
    reasons: Mapping[str, int]  # what the certified agents did at the worst interval


@dataclass(frozen=True)
class Contradiction:
    """Hard rules that no roster of this agent can satisfy together."""

    agent: str
    rules: tuple[str, ...]
    text: str


def queue_label(queue: Queue, client_names: Mapping[str, str] | None = None) -> str:
    """A queue as coordinators say it: client, channel, language."""
    client = (client_names or {}).get(queue.client, queue.client)
    return f"{client} {queue.channel} {queue.language}"


def explain_shortfall(
    problem: Problem, roster: Roster, client_names: Mapping[str, str] | None = None
) -> list[Shortfall]:
    """Every run of short intervals per queue, in time order, each with a sentence."""
    missing = count_shortfall(problem, roster)
    context = _Context(problem, roster)
    found = []
    for queue in problem.queues:
        values = missing[queue.key]
        t = 0
        while t < len(values):
            if values[t] == 0:
                t += 1
                continue
            first = t
            while t < len(values) and values[t] > 0:
                t += 1
            worst = max(range(first, t), key=lambda i: values[i])
            reasons = _reasons(context, queue, worst)
            text = (f"{queue_label(queue, client_names)}, {_span(problem, first, t)}, short "
                    f"{values[worst]}: {_sentence(reasons)}")
            found.append(Shortfall(queue.key, first, t, values[worst], text, reasons))
    return sorted(found, key=lambda s: (s.first, s.queue))


def _span(problem: Problem, first: int, end: int) -> str:
    """E.g. `Sat 14:00–16:00` in local time."""
    grid = problem.grid
    start, stop = grid.local(first), grid.interval_start(end).astimezone(grid.zone)
    day = f"{WEEKDAYS[start.weekday()]} {start:%d.%m.}"
    same_day = stop.date() == start.date() or stop.time() == datetime.min.time()
    stop_text = f"{stop:%H:%M}" if same_day else f"{WEEKDAYS[stop.weekday()]} {stop:%H:%M}"
    return f"{day} {start:%H:%M}–{'24:00' if stop_text == '00:00' else stop_text}"


def _sentence(reasons: Mapping[str, int]) -> str:
    """`only 4 certified agents, 2 on approved time off, ...`; zero counts left out."""
    total = reasons["certified"]
    if total == 0:
        return "no agent is certified for this queue"
    parts = [f"only {total} certified agent{'s' if total != 1 else ''}"]
    for key, words in (
        ("working it", "working it"),
        ("time off", "on approved time off"),
        ("other queues", "on other queues"),
        ("break", "on a meal break"),
        ("back office", "on back-office time"),
        ("outside shift window", "outside their shift start window or lengths"),
        ("weekly maximum", "at their weekly contract maximum"),
        ("rest or day off", "resting or on a day off (rest rules, consecutive days)"),
        ("not rostered", "not rostered then (other hours cover more demand)"),
    ):
        if reasons.get(key):
            parts.append(f"{reasons[key]} {words}")
    return ", ".join(parts)


@dataclass(frozen=True)
class _Reach:
    """Where an agent's candidate shifts could put them: intervals covered, shortest shift."""

    covered: frozenset[int]
    shortest_paid_minutes: int


class _Context:
    """What explaining one roster looks up again and again, computed once per agent."""

    def __init__(self, problem: Problem, roster: Roster) -> None:
        self.problem = problem
        self.shifts: dict[str, list[Shift]] = {}
        for shift in roster.shifts:
            self.shifts.setdefault(shift.agent, []).append(shift)
        self._reach: dict[Agent, _Reach] = {}
        self.weeks = list(problem.weeks().values())
        self.day_index = {day: d for d, day in enumerate(problem.grid.day_list)}
        self._week_room: dict[str, list[tuple[list[int], int]]] = {}
        self._open: dict[frozenset[str], tuple[bool, ...]] = {}

    def week_room(self, agent: Agent) -> list[tuple[list[int], int]]:
        """Per ISO week of the period: its days and the paid minutes the agent may still add
        (the contract's weekly maximum less what is rostered; none counted when a shift
        lies outside the period)."""
        found = self._week_room.get(agent.key)
        if found is None:
            shifts = self.shifts.get(agent.key, [])
            inside = all(s.day in self.day_index for s in shifts)
            found = []
            for days in self.weeks:
                _, high = self.problem.week_bounds(agent, days)
                paid = sum(s.paid_minutes for s in shifts if self.day_index[s.day] in days
                           ) if inside else 0
                found.append((days, high - paid))
            self._week_room[agent.key] = found
        return found

    def skilled_open(self, agent: Agent) -> tuple[bool, ...]:
        """Whether any of the agent's queues is open, per interval (per skill set)."""
        found = self._open.get(agent.skills)
        if found is None:
            found = self._open[agent.skills] = skilled_open(self.problem, agent)
        return found

    def reach(self, agent: Agent) -> _Reach:
        """The agent's candidate shifts summed up; agents alike but for name share one."""
        alike = replace(agent, key="", name="", shift_requests=())  # what candidates depend on
        found = self._reach.get(alike)
        if found is None:
            found = _reach(self.problem, agent, alike, self.skilled_open(agent))
            self._reach[alike] = found
        return found


# Candidate shifts depend only on the grid, the agent (but for its name), the opening hours of
# its queues and which shift types have day demand; every draft of a week asks again for the
# same ones, so a process keeps the last few thousand (a page explaining a 300-agent roster
# spends most of its time generating candidates otherwise).
_REACH_KEPT = 4096
_reach_kept: dict[tuple, _Reach] = {}
_reach_lock = threading.Lock()


def _reach(problem: Problem, agent: Agent, alike: Agent, open_any: tuple[bool, ...]
           ) -> _Reach:
    """Where the agent's candidate shifts could put them, kept per process by what they
    depend on."""
    key = (problem.grid, alike, open_any,
           frozenset(demand.shift_type for demand in problem.day_demand))
    with _reach_lock:
        found = _reach_kept.get(key)
    if found is not None:
        return found
    candidates = [c for cs in agent_candidates(problem, agent).values() for c in cs]
    found = _Reach(frozenset(t for c in candidates for t in range(c.start, c.end)),
                   min((c.paid_minutes for c in candidates), default=0))
    with _reach_lock:
        if len(_reach_kept) >= _REACH_KEPT:
            _reach_kept.pop(next(iter(_reach_kept)))  # the oldest
        _reach_kept[key] = found
    return found


def _reasons(context: _Context, queue: Queue, t: int) -> dict[str, int]:
    """What each agent certified for the queue does in interval t, counted by reason."""
    problem = context.problem
    grid = problem.grid
    instant = grid.interval_start(t)
    d = grid.day_index_of(t)
    reasons: Counter[str] = Counter()
    certified = [a for a in problem.agents if queue.key in a.skills]
    reasons["certified"] = len(certified)
    for agent in certified:
        shifts = context.shifts.get(agent.key, [])
        on = next((s for s in shifts if s.start <= instant < s.end), None)
        reasons[_doing(context, agent, shifts, on, queue, instant, d)] += 1
    return dict(reasons)


def _doing(
    context: _Context, agent: Agent, shifts: list[Shift], on: Shift | None, queue: Queue,
    instant: datetime, d: int,
) -> str:
    """One agent's reason for not (or for) working the queue at an instant."""
    problem = context.problem
    if on is not None:
        if any(b.start <= instant < b.end for b in on.breaks):
            return "break"
        act = next((a for a in on.activities if a.start <= instant < a.end), None)
        if act is None:
            return "back office"
        return "working it" if act.queue == queue.key else "other queues"
    day: date = problem.grid.day_list[d]
    if day in agent.time_off:
        return "time off"
    t = problem.grid.index_of(instant)
    reach = context.reach(agent)
    if t not in reach.covered:
        return "outside shift window"
    for days, room in context.week_room(agent):
        if d in days and reach.shortest_paid_minutes > room:
            return "weekly maximum"
    if any(s.day == day for s in shifts) or _near_rest(agent, shifts, instant):
        return "rest or day off"
    return "not rostered"


def _near_rest(agent: Agent, shifts: list[Shift], instant: datetime) -> bool:
    """Whether daily rest after or before a rostered shift rules the instant out."""
    rest = timedelta(minutes=agent.contract.min_daily_rest_minutes)
    return any(s.end <= instant < s.end + rest or s.start - rest < instant < s.start
               for s in shifts)


# ---------------------------------------------------------------- contradictions


def explain_infeasible(problem: Problem) -> list[Contradiction]:
    """Agents whose hard rules contradict, each with a smallest set of rules that does it."""
    found = []
    for agent in problem.agents:
        alone = replace(problem, agents=(agent,), fixed_before={
            k: v for k, v in problem.fixed_before.items() if k == agent.key})
        active = [r for r in (*hard.HARD_RULES, *DAY_RULES) if r not in FOUNDATION]
        if _feasible(alone, active):
            continue
        for rule in list(active):  # deletion filter: drop every rule not needed
            trial = [r for r in active if r is not rule]
            if not _feasible(alone, trial):
                active = trial
        names = tuple(r.__name__ for r in active)
        words = ", ".join(RULE_WORDS.get(n, n) for n in names) or "no rule alone"
        figures = "; ".join(f for f in (_figures(problem, agent, n) for n in names) if f)
        found.append(Contradiction(
            agent.key, names,
            f"{agent.name} ({agent.key}): {words} cannot all hold together with their "
            f"{IMPLIED}" + (f" ({figures})" if figures else "")))
    return found


def _figures(problem: Problem, agent: Agent, rule: str) -> str:
    """The contract's own figures behind a day-level rule, as the coordinator set them."""
    contract = agent.contract
    if rule == "max_shifts_per_type":
        days = problem.grid.days
        limits = [f"{n} {key}" for key, n in contract.max_shifts_per_type if n < days]
        return f"at most {', '.join(limits)} shifts" if limits else ""
    if rule == "period_paid_minutes":
        high = contract.max_minutes_per_period
        span = f"{contract.min_minutes_per_period}" + (f"-{high}" if high is not None
                                                        else " or more")
        return f"{span} paid minutes over the period"
    if rule == "min_consecutive_days":
        return f"runs of at least {contract.min_consecutive_days} working days"
    if rule == "min_consecutive_days_off":
        return f"runs of at least {contract.min_consecutive_days_off} days off"
    if rule == "max_weekends":
        return f"at most {contract.max_weekends} weekends"
    if rule == "max_consecutive_days":
        return f"at most {contract.max_consecutive_days} working days in a row"
    return ""


def _feasible(problem: Problem, rules: list) -> bool:
    """Whether a one-agent problem has a roster under the given hard rules."""
    model = cp_model.CpModel()
    v = Variables(model, problem)
    for add in (*FOUNDATION, *rules):
        add(model, problem, v)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = CHECK_SECONDS
    solver.parameters.num_workers = 1
    return solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
