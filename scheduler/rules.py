"""Hard rules of the rostering model, one function each, applied in order by `solve`.

Two hard rules need no constraint because the candidates never break them: approved time off
(no candidates on those days) and the contract's daily maximum of paid minutes (longer
candidates are not generated); see `scheduler.candidates.agent_candidates`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ortools.sat.python import cp_model

from scheduler.domain import Problem
from scheduler.variables import Variables

HardRule = Callable[[cp_model.CpModel, Problem, Variables], None]


def one_shift_per_day(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """An agent works at most one shift per local day."""
    for a, d in v.works:
        model.add_at_most_one(x for _, x in v.day_candidates(a, d))


def meal_break(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """A shift over the rule's threshold gets one meal break starting inside its window."""
    for a, d in v.works:
        starts = v.day_break_starts(a, d)
        with_break = [(c, x) for c, x in v.day_candidates(a, d) if c.needs_break]
        # one break exactly when the chosen shift needs one, none otherwise
        model.add(sum(starts.values()) == sum(x for _, x in with_break))
        for s, b in starts.items():
            # the break may start at s only if the chosen shift allows a break there
            model.add_bool_or([x for c, x in with_break if s in c.break_starts]).only_enforce_if(b)


def one_queue_per_working_interval(
    model: cp_model.CpModel, problem: Problem, v: Variables
) -> None:
    """On shift and not on break, an agent works at most one open queue they are certified for.

    Off shift or on break the agent works no queue, so activities stay inside the shift. A
    working interval with no queue is back-office work, penalised by `off_queue`.
    """
    for agent in problem.agents:
        a = agent.key
        for t in v.agent_intervals(a):
            working = v.agent_activities(a, t).values()
            model.add(sum(working) <= v.on_shift(a, t) - v.on_break(a, t))


def daily_rest(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """At least the contract's daily rest between the end of one shift and the next start.

    Linear in the start and end of each day's chosen shift, enforced only when both days are
    worked; pairs of days that can never come that close are skipped.
    """
    step = problem.grid.interval_minutes
    for agent in problem.agents:
        a = agent.key
        rest = math.ceil(agent.contract.min_daily_rest_minutes / step)
        days = sorted(d for (key, d) in v.works if key == a)
        for i, d in enumerate(days):
            latest_end = max(c.end for c, _ in v.day_candidates(a, d))
            end_d = sum(c.end * x for c, x in v.day_candidates(a, d))
            for e in days[i + 1 :]:
                if min(c.start for c, _ in v.day_candidates(a, e)) >= latest_end + rest:
                    continue
                start_e = sum(c.start * x for c, x in v.day_candidates(a, e))
                both = [v.works[a, d], v.works[a, e]]
                model.add(start_e >= end_d + rest).only_enforce_if(both)


def weekly_paid_minutes(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """Paid minutes per ISO week stay within the contract's bounds for that (partial) week."""
    for agent in problem.agents:
        a = agent.key
        for days in problem.weeks().values():
            low, high = week_bounds(problem, agent.key, days)
            chosen = [cx for d in days if (a, d) in v.works for cx in v.day_candidates(a, d)]
            paid = cp_model.LinearExpr.weighted_sum(
                [x for _, x in chosen], [c.paid_minutes for c, _ in chosen]
            )
            model.add_linear_constraint(paid, low, high)


def week_bounds(problem: Problem, agent_key: str, days: list[int]) -> tuple[int, int]:
    """Contract paid-minute bounds of an agent for the planned days of one ISO week."""
    agent = next(a for a in problem.agents if a.key == agent_key)
    return problem.week_bounds(agent, days)


HARD_RULES: tuple[HardRule, ...] = (
    one_shift_per_day,
    meal_break,
    one_queue_per_working_interval,
    daily_rest,
    weekly_paid_minutes,
)
