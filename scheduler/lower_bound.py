"""A lower bound on the rostering objective that the benchmark computes itself.

The bound is the aggregated LP relaxation (`scheduler.aggregate`, one column per shift and
meal-break start), solved exactly with GLOP, or for large weeks approximately with PDLP, and
in both cases priced from the duals by weak duality (so an approximate solution still gives
a proven bound), rounded up. Why the LP is a relaxation: every roster maps onto a feasible
point of the LP with the same understaffing, overstaffing, off-queue penalty and pay; the LP
keeps the group sums of each agent's availability, weekly contract bounds (each agent's
rounded to the nearest totals their shifts can make), consecutive-days limit and weekly day
off, and per threshold the daily rest between late shifts and the next day's early ones (no
agent works both, so together they are at most the group's agents); it drops the rest of
what binds single agents (the minimum activity block, the weekly rest's timing, rest after
the published roster) and the other soft terms, which are never negative (block switches
among them). Fairness is bounded per agent group from below
(`aggregate._fairness`: the group's excess over its agents' rounded-up fair shares is at
least its count less their summed shares, less under one unit per agent for rounding).
Dropping constraints and nonnegative terms can only lower the optimum. Paid coffee breaks
are kept, pooled per start interval: a roster's coffee intervals are neither on a queue nor
back-office time, so an LP that left them out would charge them as back-office time and
could rise above a roster's objective.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from scheduler.aggregate import Plan, rounded_bound, solve_aggregate
from scheduler.domain import Problem


@dataclass(frozen=True)
class Bound:
    """The LP bound with its parts and how long it took."""

    value: int  # no roster's objective is below it (0 when the LP was not solved)
    lp_objective: float
    parts: dict[str, float]
    groups: int
    variables: int
    constraints: int
    wall_seconds: float
    status: str
    # the LP's missing and surplus agent-intervals per queue, to see where a roster loses
    short_by_queue: dict[str, float] = field(default_factory=dict)
    over_by_queue: dict[str, float] = field(default_factory=dict)
    # prices of the rows the week-pattern master shares with it (`scheduler.week_bound`)
    duals: dict[tuple, float] = field(default_factory=dict)


BOUND_TOLERANCE = 1e-4  # PDLP's relative accuracy when it computes the bound


def lp_bound(problem: Problem, *, exact: bool = True, time_limit_seconds: float = 900
             ) -> Bound:
    """The rounded-up dual bound of the aggregated LP (GLOP if exact, else PDLP)."""
    solved = solve_aggregate(problem, patterns=True, exact=exact, tolerance=BOUND_TOLERANCE,
                             time_limit_seconds=time_limit_seconds, fairness=True)
    plan = solved.plan
    if plan is None or not math.isfinite(solved.dual_bound):
        return Bound(0, math.nan, {}, 0, solved.variables, solved.constraints,
                     solved.wall_seconds, solved.status)
    short, over = queue_balance(problem, plan)
    return Bound(max(0, rounded_bound(solved.dual_bound)), plan.objective, plan.parts,
                 len(plan.groups), solved.variables, solved.constraints, solved.wall_seconds,
                 solved.status, short, over, solved.duals)


def queue_balance(problem: Problem, plan: Plan) -> tuple[dict[str, float], dict[str, float]]:
    """The LP solution's missing and surplus agent-intervals per queue (fractional)."""
    return activity_balance(problem, plan.activity)


def activity_balance(problem: Problem, activity: Mapping[tuple[str, str, int], float]
                     ) -> tuple[dict[str, float], dict[str, float]]:
    """Missing and surplus agent-intervals per queue of fractional (group, queue, interval)
    activity counts."""
    covered: dict[tuple[str, int], float] = defaultdict(float)
    for (_, q, t), x in activity.items():
        covered[q, t] += x
    short, over = {}, {}
    for q in problem.queues:
        required = problem.requirement[q.key]
        short[q.key] = sum(max(0.0, r - covered[q.key, t]) for t, r in enumerate(required))
        over[q.key] = sum(max(0.0, covered[q.key, t] - r) for t, r in enumerate(required))
    return short, over
