"""Hard pattern rules over whole days: shift types, period hours, runs, weekends, successions.

Each rule reads the day-level variables (`works[a, d]` and each candidate's shift type) and
binds one agent, like the rules in `scheduler.rules`. Boundaries follow the published
benchmark of Curtois & Qu and the rest rules of `scheduler.rules`: with no published roster
before the period (`Problem.fixed_before`), a run of working days at the start is counted from
the first day for its maximum but need not reach its minimum, and a run of days off at either
end need not reach its minimum; a run reaching the period's end need not reach its minimum
either, since the next roster continues it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from ortools.sat.python import cp_model

from scheduler.domain import Agent, Problem
from scheduler.variables import Variables

HardRule = Callable[[cp_model.CpModel, Problem, Variables], None]
Literal = cp_model.IntVar | None  # None: the agent cannot work that day


def day_literals(v: Variables, agent: Agent) -> list[Literal]:
    """Per day of the period, the agent's `works` variable, or None on a day never worked."""
    return [v.works.get((agent.key, d)) for d in range(v.problem.grid.days)]


def typed(v: Variables, agent: str, day: int, shift_type: str) -> list[cp_model.IntVar]:
    """The agent's shift variables of one type on one day."""
    if (agent, day) not in v.works:
        return []
    return [x for c, x in v.day_candidates(agent, day) if c.shift_type == shift_type]


def published_run(problem: Problem, agent: Agent, working: bool) -> int | None:
    """Days in a row the agent worked (or was off) up to the day before the period.

    None when nothing is known, i.e. the agent has no published shifts before the period.
    """
    fixed = problem.fixed_before.get(agent.key, ())
    if not fixed:
        return None
    worked = {s.day for s in fixed}
    day, run = problem.grid.day_list[0] - timedelta(days=1), 0
    while (day in worked) == working and run < 366:
        run += 1
        day -= timedelta(days=1)
    return run


def max_shifts_per_type(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """At most the contract's number of shifts of each limited shift type over the period."""
    for agent in problem.agents:
        for shift_type, limit in agent.contract.max_shifts_per_type:
            days = [typed(v, agent.key, d, shift_type) for d in range(problem.grid.days)]
            if sum(1 for xs in days if xs) > limit:
                model.add(sum(x for xs in days for x in xs) <= limit)


def period_paid_minutes(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """Paid minutes over the whole period within the contract's period bounds."""
    for agent in problem.agents:
        low = agent.contract.min_minutes_per_period
        high = agent.contract.max_minutes_per_period
        if low == 0 and high is None:
            continue
        chosen = [(c, x) for d in range(problem.grid.days) if (agent.key, d) in v.works
                  for c, x in v.day_candidates(agent.key, d)]
        paid = cp_model.LinearExpr.weighted_sum([x for _, x in chosen],
                                                [c.paid_minutes for c, _ in chosen])
        most = sum(max(c.paid_minutes for c, _ in v.day_candidates(agent.key, d))
                   for d in range(problem.grid.days) if (agent.key, d) in v.works)
        model.add_linear_constraint(paid, low, most if high is None else high)


def _forbid_short_runs(model: cp_model.CpModel, lits: list[Literal], least: int,
                       working: bool, before: int | None) -> None:
    """No run of working days (or days off) shorter than `least` bounded on both sides.

    A run is bounded at the start by a day of the other kind inside the period, or by the
    period's start when `before` (the length of the run already under way there) is known,
    in which case a run under way and still too short continues on the first day; runs
    reaching the period's end are free.
    """
    def on(d: int) -> Literal | bool:
        """The literal 'day d is of the run's kind', or a constant when it cannot vary."""
        lit = lits[d]
        if lit is None:
            return not working
        return lit if working else lit.Not()

    n = len(lits)
    for first in range(n):
        already = 0
        if first == 0:
            if before is None:
                continue
            already = before
        # with history, a run under way at the start must go on into the period (length 0)
        for length in range(0 if already > 0 else 1, least - already):
            end = first + length  # the first day after the run
            if end >= n:
                break
            pattern = [(first - 1, False)] if first > 0 else []
            pattern += [(d, True) for d in range(first, end)] + [(end, False)]
            clause, possible = [], True
            for d, inside in pattern:
                lit = on(d)
                if isinstance(lit, bool):
                    if lit != inside:
                        possible = False  # the pattern cannot happen
                        break
                    continue
                clause.append(lit.Not() if inside else lit)
            if possible:
                model.add_bool_or(clause)


def min_consecutive_days(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """A run of working days lasts at least the contract's `min_consecutive_days`."""
    for agent in problem.agents:
        least = agent.contract.min_consecutive_days
        if least > 1:
            _forbid_short_runs(model, day_literals(v, agent), least, True,
                               published_run(problem, agent, True))


def min_consecutive_days_off(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """A run of days off lasts at least the contract's `min_consecutive_days_off`."""
    for agent in problem.agents:
        least = agent.contract.min_consecutive_days_off
        if least > 1:
            _forbid_short_runs(model, day_literals(v, agent), least, False,
                               published_run(problem, agent, False))


def weekends(problem: Problem) -> list[list[int]]:
    """Day indices of each weekend (Saturday and Sunday of one ISO week) in the period."""
    by_week: dict[tuple[int, int], list[int]] = {}
    for d, day in enumerate(problem.grid.day_list):
        if day.weekday() >= 5:
            iso = day.isocalendar()
            by_week.setdefault((iso.year, iso.week), []).append(d)
    return list(by_week.values())


def max_weekends(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """At most the contract's weekends worked; a weekend is worked when Sat or Sun is."""
    for agent in problem.agents:
        limit = agent.contract.max_weekends
        if limit is None:
            continue
        lits = day_literals(v, agent)
        worked = []
        for days in weekends(problem):
            days_lits = [lits[d] for d in days if lits[d] is not None]
            if not days_lits:
                continue
            weekend = model.new_bool_var(f"weekend[{agent.key},{days[0]}]")
            model.add_max_equality(weekend, days_lits)
            worked.append(weekend)
        if len(worked) > limit:
            model.add(sum(worked) <= limit)


def forbidden_successions(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """A shift type's `not_followed_by` types are not worked the next day.

    With at most one shift a day, "X today and some forbidden Y tomorrow" is one inequality
    per day and type; the agent's last published shift counts for the first day.
    """
    for agent in problem.agents:
        a = agent.key
        last = _last_published_type(problem, agent)
        for shift_type in agent.shift_rule.shift_types:
            if not shift_type.not_followed_by:
                continue
            if shift_type.key == last:
                for y in shift_type.not_followed_by:
                    for x in typed(v, a, 0, y):
                        model.add(x == 0)
            for d in range(problem.grid.days - 1):
                today = typed(v, a, d, shift_type.key)
                tomorrow = [x for y in shift_type.not_followed_by for x in typed(v, a, d + 1, y)]
                if today and tomorrow:
                    model.add(sum(today) + sum(tomorrow) <= 1)


def _last_published_type(problem: Problem, agent: Agent) -> str | None:
    """Shift type of the agent's published shift on the day before the period, if any."""
    eve = problem.grid.day_list[0] - timedelta(days=1)
    types = [s.shift_type for s in problem.fixed_before.get(agent.key, ()) if s.day == eve]
    return types[-1] if types else None


DAY_RULES: tuple[HardRule, ...] = (
    max_shifts_per_type,
    period_paid_minutes,
    min_consecutive_days,
    min_consecutive_days_off,
    max_weekends,
    forbidden_successions,
)
