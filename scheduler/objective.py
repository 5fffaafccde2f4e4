"""The rostering objective counted from a roster, without the solver, named as in penalties."""

from __future__ import annotations

from datetime import timedelta

from scheduler.costs import has_pay, roster_cost
from scheduler.coverage import overstaffing, shortfall
from scheduler.domain import Problem, Roster
from scheduler.penalties import CHANGE_WEIGHT, OFF_QUEUE_WEIGHT, changed_days


def off_queue_intervals(problem: Problem, roster: Roster) -> int:
    """Working intervals (on shift, not on a break) without an activity."""
    step = problem.grid.step
    total = 0
    for shift in roster.shifts:
        resting = sum((b.end - b.start for b in shift.breaks), timedelta(0))
        busy = sum((a.end - a.start for a in shift.activities), timedelta(0))
        total += int((shift.end - shift.start - resting - busy) / step)
    return total


def evaluate(
    problem: Problem, roster: Roster, *, keep: Roster | None = None,
    change_weight: int = CHANGE_WEIGHT,
) -> dict[str, int]:
    """Each named penalty of the objective for this roster, as the CP-SAT model weighs it."""
    short, surplus = shortfall(problem, roster), overstaffing(problem, roster)
    penalties = {
        "understaffing": sum(q.shortfall_weight * sum(short[q.key]) for q in problem.queues),
        "overstaffing": sum(q.overstaffing_weight * sum(surplus[q.key]) for q in problem.queues),
        "off_queue": OFF_QUEUE_WEIGHT * off_queue_intervals(problem, roster),
    }
    if has_pay(problem):
        penalties["shift_cost"] = roster_cost(problem, roster)
    if keep is not None:
        penalties["changes"] = change_weight * len(changed_days(problem, keep, roster))
    return penalties
