"""Solver-independent checks of the day-level pattern rules (`scheduler.day_rules`) on a roster.

Each check returns (rule, day, message) findings for one agent; `scheduler.validate` turns
them into violations. The boundary conventions are those of `scheduler.day_rules`, counted here
from the shifts themselves.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from scheduler.domain import Agent, Problem, Shift

Finding = tuple[str, date | None, str]


def check_agent(problem: Problem, agent: Agent, shifts: list[Shift],
                published: list[Shift]) -> list[Finding]:
    """Every day-level rule the agent's shifts (in time order) break."""
    in_period = [s for s in shifts if s.day in set(problem.grid.day_list)]
    return [
        *(f for s in in_period for f in shift_type_fits(problem, agent, s)),
        *max_shifts_per_type(agent, in_period),
        *period_paid_minutes(agent, in_period),
        *min_runs(problem, agent, in_period, published, working=True),
        *min_runs(problem, agent, in_period, published, working=False),
        *max_weekends(problem, agent, in_period),
        *forbidden_successions(agent, in_period, published),
    ]


def _start_minute(problem: Problem, shift: Shift) -> int:
    """Local start of a shift in minutes after midnight of its day (past 1440 next morning)."""
    wall = shift.start.astimezone(problem.grid.zone).replace(tzinfo=None)
    return int((wall - datetime.combine(shift.day, datetime.min.time())).total_seconds()) // 60


def shift_type_fits(problem: Problem, agent: Agent, shift: Shift) -> list[Finding]:
    """A shift of a rule with shift types names one of them and fits its start and length."""
    rule = agent.shift_rule
    if not rule.shift_types:
        if shift.shift_type:
            return [("shift_type", shift.day, f"is marked {shift.shift_type!r} but shift rule "
                                              f"{rule.name} has no shift types")]
        return []
    kind = rule.shift_type(shift.shift_type)
    if kind is None:
        names = ", ".join(t.key for t in rule.shift_types)
        return [("shift_type", shift.day, f"shift type {shift.shift_type!r} is not one of shift "
                                          f"rule {rule.name}'s types ({names})")]
    if not kind.allows(_start_minute(problem, shift), shift.length_minutes):
        return [("shift_type", shift.day, f"a {shift.length_minutes}-min shift starting "
                                          f"{shift.start.astimezone(problem.grid.zone):%H:%M} "
                                          f"is not a {kind.key} shift")]
    return []


def max_shifts_per_type(agent: Agent, shifts: list[Shift]) -> list[Finding]:
    """No more shifts of a limited type than the contract allows over the period."""
    counts = Counter(s.shift_type for s in shifts)
    return [("max_shifts_per_type", None, f"{counts[key]} {key} shifts, at most {limit} allowed")
            for key, limit in agent.contract.max_shifts_per_type if counts[key] > limit]


def period_paid_minutes(agent: Agent, shifts: list[Shift]) -> list[Finding]:
    """Paid minutes over the period within the contract's period bounds."""
    low = agent.contract.min_minutes_per_period
    high = agent.contract.max_minutes_per_period
    paid = sum(s.paid_minutes for s in shifts)
    if paid < low or (high is not None and paid > high):
        allowed = f"{low}-{high}" if high is not None else f"at least {low}"
        return [("period_paid_minutes", None,
                 f"{paid} paid minutes over the period, contract allows {allowed}")]
    return []


def min_runs(problem: Problem, agent: Agent, shifts: list[Shift], published: list[Shift],
             working: bool) -> list[Finding]:
    """Runs of working days (or days off) bounded inside the period reach the minimum length.

    A run reaching the period's end is free; one at its start is free unless published
    shifts before the period tell how long it has already lasted.
    """
    least = (agent.contract.min_consecutive_days if working
             else agent.contract.min_consecutive_days_off)
    if least <= 1:
        return []
    days = problem.grid.day_list
    worked = {s.day for s in shifts}
    kinds = [(day in worked) == working for day in days]
    before = _run_before(days[0], {s.day for s in published}, working) if published else None
    name = "min_consecutive_days" if working else "min_consecutive_days_off"
    what = "working days" if working else "days off"
    found, d = [], 0
    if before is not None and 0 < before < least and not kinds[0]:
        found.append((name, days[0], f"{before} {what} in a row up to the period's start, at "
                                      f"least {least} needed"))
    while d < len(days):
        if not kinds[d]:
            d += 1
            continue
        first = d
        while d < len(days) and kinds[d]:
            d += 1
        length = d - first
        if d == len(days):
            break  # reaches the period's end: the next roster continues it
        if first == 0:
            if before is None:
                continue
            length += before
        if length < least:
            found.append((name, days[first], f"{length} {what} in a row, at least {least} "
                                             "needed"))
    return found


def _run_before(first: date, worked: set[date], working: bool) -> int:
    """Days in a row before `first` that were worked (or off) in the published roster."""
    run, day = 0, first - timedelta(days=1)
    while (day in worked) == working and run < 366:
        run += 1
        day -= timedelta(days=1)
    return run


def max_weekends(problem: Problem, agent: Agent, shifts: list[Shift]) -> list[Finding]:
    """No more weekends worked (a shift on Saturday or Sunday) than the contract allows."""
    limit = agent.contract.max_weekends
    if limit is None:
        return []
    weeks = {s.day.isocalendar()[:2] for s in shifts if s.day.weekday() >= 5}
    if len(weeks) > limit:
        return [("max_weekends", None, f"works {len(weeks)} weekends, at most {limit} allowed")]
    return []


def forbidden_successions(agent: Agent, shifts: list[Shift],
                          published: list[Shift]) -> list[Finding]:
    """No shift type on the day after a type that may not be followed by it."""
    rule = agent.shift_rule
    by_day = {s.day: s.shift_type for s in [*published, *shifts]}
    found = []
    for s in shifts:
        previous = rule.shift_type(by_day.get(s.day - timedelta(days=1), ""))
        if previous is not None and s.shift_type in previous.not_followed_by:
            found.append(("forbidden_succession", s.day,
                          f"a {s.shift_type} shift the day after a {previous.key} shift"))
    return found
