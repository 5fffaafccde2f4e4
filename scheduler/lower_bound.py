"""A lower bound on the rostering objective that the benchmark computes itself.

The bound is the aggregated LP relaxation (`scheduler.aggregate`, one column per shift and
meal-break start), solved exactly with GLOP, or for large weeks approximately with PDLP, and
in both cases priced from the duals by weak duality (so an approximate solution still gives
a proven bound), rounded up. Why the LP is a relaxation: every roster maps onto a
feasible point of the LP with the same understaffing, overstaffing, off-queue penalty and
pay; the
LP keeps the group sums of each agent's availability, weekly contract bounds, consecutive-days
limit and weekly day off, and drops rules that bind single agents (daily rest, minimum
activity block, rest after the published roster) and the other soft terms, which are never
negative (fairness, block switches among them). Dropping constraints and nonnegative terms
can only lower the optimum. Paid coffee breaks are kept, pooled per start interval: a
roster's coffee intervals are neither on a queue nor back-office time, so an LP that left
them out would charge them as back-office time and could rise above a roster's objective.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scheduler.aggregate import rounded_bound, solve_aggregate
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


BOUND_TOLERANCE = 1e-4  # PDLP's relative accuracy when it computes the bound


def lp_bound(problem: Problem, *, exact: bool = True, time_limit_seconds: float = 900
             ) -> Bound:
    """The rounded-up dual bound of the aggregated LP (GLOP if exact, else PDLP)."""
    solved = solve_aggregate(problem, patterns=True, exact=exact, tolerance=BOUND_TOLERANCE,
                             time_limit_seconds=time_limit_seconds)
    plan = solved.plan
    if plan is None or not math.isfinite(solved.dual_bound):
        return Bound(0, math.nan, {}, 0, solved.variables, solved.constraints,
                     solved.wall_seconds, solved.status)
    return Bound(max(0, rounded_bound(solved.dual_bound)), plan.objective, plan.parts,
                 len(plan.groups), solved.variables, solved.constraints, solved.wall_seconds,
                 solved.status)
