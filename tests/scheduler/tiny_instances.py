"""Tiny rostering instances for one-rule-at-a-time tests: a Monday-first Helsinki grid."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time

from scheduler.domain import (
    Agent,
    Contract,
    DayDemand,
    Problem,
    Queue,
    ShiftRule,
    ShiftType,
    SolveResult,
)
from scheduler.grid import Grid
from scheduler.validate import validate

MONDAY = date(2025, 3, 3)

Hours = Callable[[int, int], int]  # (day index, local minute of day) -> value


def make_rule(**changes) -> ShiftRule:
    """Day shifts starting 08:00-16:00 on the hour, 4 h or 8 h, a 60-min meal break over 6 h."""
    values = dict(
        name="day",
        earliest_start_minute=8 * 60,
        latest_start_minute=16 * 60,
        lengths_minutes=(240, 480),
        start_step_minutes=60,
        meal_break_minutes=60,
    )
    values.update(changes)
    return ShiftRule(**values)


def make_agent(
    key: str = "a1",
    skills: tuple[str, ...] = ("q1",),
    *,
    min_week: int = 0,
    max_week: int = 7 * 480,
    time_off: tuple[date, ...] = (),
    contract: Mapping[str, int] | None = None,
    **rule_changes,
) -> Agent:
    """An agent with a contract and a shift rule that do not bite unless told to."""
    return Agent(
        key=key,
        name=f"Agent {key}",
        skills=frozenset(skills),
        contract=Contract("test", min_week, max_week, **(contract or {})),
        shift_rule=make_rule(**rule_changes),
        time_off=frozenset(time_off),
    )


def hours(first: int, last: int, value: int = 1, days: tuple[int, ...] | None = None) -> Hours:
    """`value` from local hour `first` up to (not including) hour `last`, on `days` or all."""
    return lambda d, m: value if first * 60 <= m < last * 60 and (days is None or d in days) else 0


def make_problem(
    agents: tuple[Agent, ...],
    *,
    queues: tuple[str, ...] = ("q1",),
    days: int = 1,
    interval_minutes: int = 60,
    start_day: date = MONDAY,
    need: Mapping[str, Hours] | None = None,
    open_hours: Mapping[str, Hours] | None = None,
    shortfall_weight: int = 100,
    clients: Mapping[str, str] | None = None,
) -> Problem:
    """A problem over `days` days; queues open 08-20 unless told, requirement zero unless told.

    Every queue belongs to client `acme` unless `clients` maps it to another.
    """
    grid = Grid(start_day, days, interval_minutes)
    need = need or {}
    open_hours = open_hours or {}

    def column(f: Hours) -> tuple[int, ...]:
        result = []
        for t in range(grid.n_intervals):
            local = grid.local(t)
            result.append(f(grid.day_index_of(t), local.hour * 60 + local.minute))
        return tuple(result)

    return Problem(
        grid=grid,
        queues=tuple(Queue(q, (clients or {}).get(q, "acme"), "voice", "fi",
                           shortfall_weight=shortfall_weight) for q in queues),
        agents=agents,
        requirement={q: column(need.get(q, hours(0, 0))) for q in queues},
        is_open={q: tuple(bool(v) for v in column(open_hours.get(q, hours(8, 20))))
                 for q in queues},
    )


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware Helsinki wall-clock instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=Grid(day, 1, 60).zone)


def assert_valid(problem: Problem, result: SolveResult) -> None:
    """The solver returned a roster and it passes the solver-independent validator."""
    assert result.status in ("OPTIMAL", "FEASIBLE"), result.message
    assert validate(problem, result.roster) == []




EARLY = ShiftType("E", 6 * 60, 6 * 60, (480,), name="early")
LATE = ShiftType("L", 14 * 60, 14 * 60, (480,), name="late")


def day_rule(*types: ShiftType) -> ShiftRule:
    """A shift rule of named types only (early 06-14 and late 14-22 unless told), no breaks."""
    types = types or (EARLY, LATE)
    return ShiftRule("typed", min(t.earliest_start_minute for t in types),
                     max(t.latest_start_minute for t in types),
                     tuple(sorted({n for t in types for n in t.lengths_minutes})),
                     meal_break_over_minutes=24 * 60, shift_types=types)


def day_agent(key: str = "a1", *, rule: ShiftRule | None = None, requests=(),
              time_off: tuple[date, ...] = (), **contract) -> Agent:
    """An agent planned per day: no queues, no rest rules unless told, pattern rules as told."""
    terms = dict(min_daily_rest_minutes=0, min_weekly_rest_minutes=0, max_consecutive_days=7)
    terms.update(contract)
    return Agent(key, f"Agent {key}", frozenset(), Contract("days", 0, 7 * 1440, **terms),
                 rule or day_rule(), time_off=frozenset(time_off),
                 shift_requests=tuple(requests))


def day_problem(agents: tuple[Agent, ...], demand: Mapping[tuple[int, str], int] | None = None,
                *, days: int = 7, with_queue: bool = False, start_day: date = MONDAY,
                under: int = 100, over: int = 1, fixed_before=None) -> Problem:
    """A problem planned per day: `demand[(day, type)]` agents, 0 elsewhere (over-cover counts).

    With `with_queue`, an idle queue is added, which sends the problem down the plain CP-SAT
    path instead of branch-and-price, so both are tested on the same rules.
    """
    grid = Grid(start_day, days, 60)
    types = sorted({t.key for a in agents for t in a.shift_rule.shift_types})
    demand = demand or {}
    queues = (Queue("idle", "acme", "voice", "fi"),) if with_queue else ()
    return Problem(
        grid=grid, queues=queues, agents=agents,
        requirement={q.key: (0,) * grid.n_intervals for q in queues},
        is_open={q.key: (False,) * grid.n_intervals for q in queues},
        day_demand=tuple(DayDemand(grid.day_list[d], t, demand.get((d, t), 0), under, over)
                         for d in range(days) for t in types),
        fixed_before=fixed_before or {},
    )
