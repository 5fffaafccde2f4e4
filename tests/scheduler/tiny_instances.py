"""Tiny rostering instances for one-rule-at-a-time tests: a Monday-first Helsinki grid."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time

from scheduler.domain import Agent, Contract, Problem, Queue, ShiftRule, SolveResult
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


