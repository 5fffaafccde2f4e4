"""Each agent's candidate shifts per local day, generated from their shift rule on the grid."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from scheduler.domain import Agent, Problem, ShiftRule
from scheduler.grid import Grid


@dataclass(frozen=True)
class Candidate:
    """One shift an agent could work on a local day: intervals [start, end) of the grid."""

    day: int
    start: int
    end: int  # exclusive
    paid_minutes: int
    break_starts: tuple[int, ...] = ()  # interval indices where the meal break may start
    break_intervals: int = 0  # length of the meal break in intervals; 0 = no meal break
    shift_type: str = ""  # key of the rule's shift type; "" when the rule has none
    # per paid coffee break, the interval indices where it may start (scheduler.domain)
    coffee_windows: tuple[tuple[int, ...], ...] = ()
    coffee_intervals: int = 0  # length of one coffee break in intervals

    @property
    def needs_break(self) -> bool:
        """Whether this shift carries a meal break."""
        return self.break_intervals > 0

    def covers(self, t: int) -> bool:
        """Whether interval t lies inside the shift."""
        return self.start <= t < self.end


def break_length_intervals(rule: ShiftRule, grid: Grid) -> int:
    """Meal-break length in whole intervals (a 30-min break takes one 60-min interval)."""
    return math.ceil(rule.meal_break_minutes / grid.interval_minutes)


def coffee_windows(rule: ShiftRule, grid: Grid, start: int, end: int
                   ) -> tuple[tuple[int, ...], ...]:
    """Allowed start intervals of each coffee break of a shift [start, end) (none if off)."""
    n = rule.coffee_breaks((end - start) * grid.interval_minutes, grid.interval_minutes)
    length = math.ceil(rule.coffee_break_minutes / grid.interval_minutes)
    windows = []
    for k in range(n):
        low, high = rule.coffee_window(k)
        first = start + math.ceil(low / grid.interval_minutes)
        last = min(start + high // grid.interval_minutes, end - length)
        windows.append(tuple(range(first, last + 1)))
    return tuple(windows)


def with_coffee(candidate: Candidate, rule: ShiftRule, grid: Grid) -> Candidate | None:
    """The candidate with its coffee-break windows; None when a window is empty."""
    windows = coffee_windows(rule, grid, candidate.start, candidate.end)
    if any(not w for w in windows):
        return None
    if not windows:
        return candidate
    return replace(candidate, coffee_windows=windows,
                   coffee_intervals=math.ceil(rule.coffee_break_minutes / grid.interval_minutes))


def skilled_open(problem: Problem, agent: Agent) -> tuple[bool, ...]:
    """Per interval, whether at least one queue the agent is certified for is open."""
    columns = [problem.is_open[q] for q in sorted(agent.skills)]
    return tuple(any(col[t] for col in columns) for t in range(problem.grid.n_intervals))


def _meal_break_starts(
    rule: ShiftRule, grid: Grid, start: int, end: int, closed: list[int], length: int
) -> tuple[int, ...]:
    """Break starts inside the rule's window that also cover every closed interval."""
    first = start + math.ceil(rule.meal_break_window_minutes[0] / grid.interval_minutes)
    last = start + rule.meal_break_window_minutes[1] // grid.interval_minutes
    return tuple(
        s
        for s in range(first, min(last, end - length) + 1)
        if all(s <= t < s + length for t in closed)
    )


def agent_candidates(problem: Problem, agent: Agent) -> dict[int, tuple[Candidate, ...]]:
    """Candidate shifts of one agent keyed by local day index (days without any are left out).

    Approved time off and the contract's daily maximum are applied here: such shifts are never
    generated. A shift during which none of the agent's queues is ever open is dropped too,
    unless its shift type has day demand (it is planned per day, not per queue); a shift that
    is partly outside opening hours stays, its closed intervals being back-office work that
    the `off_queue` penalty makes the solver avoid where it can. A rule with shift types gives
    one candidate per type, start and length (two types may share times: the type tells them
    apart); a type the contract limits to zero shifts gives none.
    """
    grid, rule = problem.grid, agent.shift_rule
    open_any = skilled_open(problem, agent)
    length_break = break_length_intervals(rule, grid)
    demanded = {demand.shift_type for demand in problem.day_demand}
    options = _options(agent)
    by_day: dict[int, tuple[Candidate, ...]] = {}
    for d, day in enumerate(grid.day_list):
        if day in agent.time_off:
            continue
        found: list[Candidate] = []
        for type_key, minute, length_minutes in options:
            start = grid.local_time_index(d, minute)
            if start is None:
                continue  # skipped by the spring DST change, or off the grid
            candidate = _candidate(rule, grid, d, start, length_minutes, open_any,
                                   length_break, type_key in demanded)
            if candidate and candidate.paid_minutes <= agent.contract.max_minutes_per_day:
                found.append(replace(candidate, shift_type=type_key) if type_key else candidate)
        if found:
            by_day[d] = tuple(found)
    return by_day


def _options(agent: Agent) -> list[tuple[str, int, int]]:
    """(shift type, local start minute, length) of every shift the agent's rule allows."""
    rule = agent.shift_rule
    if not rule.shift_types:
        return [("", minute, length) for minute in rule.start_minutes()
                for length in rule.lengths_minutes]
    return [
        (t.key, minute, length)
        for t in rule.shift_types
        if agent.contract.shift_limit(t.key) != 0
        for minute in range(t.earliest_start_minute, t.latest_start_minute + 1,
                            rule.start_step_minutes)
        for length in t.lengths_minutes
    ]


def _candidate(
    rule: ShiftRule,
    grid: Grid,
    day: int,
    start: int,
    length_minutes: int,
    open_any: tuple[bool, ...],
    length_break: int,
    day_planned: bool = False,
) -> Candidate | None:
    """The candidate for one start and length, or None when it cannot be worked."""
    if length_minutes % grid.interval_minutes:
        return None
    end = start + length_minutes // grid.interval_minutes
    if end > grid.n_intervals:
        return None
    closed = [t for t in range(start, end) if not open_any[t]]
    if len(closed) == end - start and not day_planned:
        return None
    if not rule.needs_meal_break(length_minutes):
        return with_coffee(Candidate(day, start, end, length_minutes), rule, grid)
    starts = _meal_break_starts(rule, grid, start, end, [], length_break)
    if not starts:
        return None
    unpaid = 0 if rule.meal_break_paid else length_break * grid.interval_minutes
    return with_coffee(Candidate(day, start, end, length_minutes - unpaid, starts, length_break),
                       rule, grid)


def all_candidates(problem: Problem) -> Mapping[str, dict[int, tuple[Candidate, ...]]]:
    """Candidate shifts of every agent, keyed by agent key then local day index."""
    return {agent.key: agent_candidates(problem, agent) for agent in problem.agents}
