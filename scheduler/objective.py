"""The weighted soft penalties of a roster, recomputed from its shifts alone (no solver).

`soft_penalties(problem, roster)` returns the same named terms, with the same weights, as the
solver's objective (`SolveResult.penalties`); the validator's side of that bargain, and the
check `vuoro bench rules` makes on every instance.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from scheduler.costs import has_pay, roster_cost
from scheduler.coverage import overstaffing, shortfall
from scheduler.domain import Problem, Roster
from scheduler.fairness import fairness_penalties
from scheduler.penalties import (
    CHANGE_WEIGHT,
    COMMITMENT_FACTOR,
    OFF_QUEUE_WEIGHT,
    changed_days,
    committed_shortfall,
)
from scheduler.switches import switch_penalty
from scheduler.workload import deferred_penalties


def day_cover(problem: Problem, roster: Roster) -> dict[str, tuple[int, ...]]:
    """Agents working each demanded shift type per day of the period."""
    index = {day: d for d, day in enumerate(problem.grid.day_list)}
    agents = {a.key for a in problem.agents}
    counts = {demand.shift_type: [0] * problem.grid.days for demand in problem.day_demand}
    for shift in roster.shifts:
        d = index.get(shift.day)
        if d is not None and shift.agent in agents and shift.shift_type in counts:
            counts[shift.shift_type][d] += 1
    return {key: tuple(values) for key, values in counts.items()}


def _demand(problem: Problem) -> dict[str, list[int]]:
    """Required agents per demanded shift type and day (0 where no demand is given)."""
    index = {day: d for d, day in enumerate(problem.grid.day_list)}
    required = {demand.shift_type: [0] * problem.grid.days for demand in problem.day_demand}
    for demand in problem.day_demand:
        required[demand.shift_type][index[demand.day]] = demand.requirement
    return required


def day_shortfall(problem: Problem, roster: Roster) -> dict[str, tuple[int, ...]]:
    """Agents missing per demanded shift type and day."""
    cover, required = day_cover(problem, roster), _demand(problem)
    return {key: tuple(max(0, r - c) for r, c in zip(required[key], cover[key], strict=True))
            for key in cover}


def day_surplus(problem: Problem, roster: Roster) -> dict[str, tuple[int, ...]]:
    """Agents over the demand per demanded shift type and day."""
    cover, required = day_cover(problem, roster), _demand(problem)
    return {key: tuple(max(0, c - r) for r, c in zip(required[key], cover[key], strict=True))
            for key in cover}


def broken_requests(problem: Problem, roster: Roster) -> dict[str, tuple[int, ...]]:
    """Weight of each agent's broken shift on/off requests per day of the period."""
    index = {day: d for d, day in enumerate(problem.grid.day_list)}
    worked: dict[tuple[str, int], set[str]] = defaultdict(set)
    for shift in roster.shifts:
        if shift.day in index:
            worked[shift.agent, index[shift.day]].add(shift.shift_type)
    broken = {a.key: [0] * problem.grid.days for a in problem.agents}
    for agent in problem.agents:
        for request in agent.shift_requests:
            d = index.get(request.day)
            if d is None:
                continue
            types = worked.get((agent.key, d), set())
            done = request.shift_type in types if request.shift_type else bool(types)
            if done != request.wanted:
                broken[agent.key][d] += request.weight
    return {key: tuple(values) for key, values in broken.items()}


def off_queue_intervals(problem: Problem, roster: Roster) -> int:
    """Working intervals (on shift, not on break) without an activity, of skilled agents.

    An agent certified for no queue works only shifts planned per day, which is their job.
    """
    skilled = {a.key for a in problem.agents if a.skills}
    step, zero = problem.grid.step, timedelta(0)
    total = 0
    for shift in roster.shifts:
        if shift.agent not in skilled:
            continue
        minutes = shift.end - shift.start - sum((b.end - b.start for b in shift.breaks), zero)
        busy = sum((a.end - a.start for a in shift.activities), zero)
        total += int((minutes - busy) / step)
    return total


def soft_penalties(
    problem: Problem, roster: Roster, *, published: Roster | None = None,
    change_weight: int = CHANGE_WEIGHT,
) -> dict[str, int]:
    """Every named, weighted soft term of `solve`'s objective for this roster, by name.

    Terms a problem does not use are left out exactly as `solve` leaves them out; with
    `published`, the re-planning term `changes` is added.
    """
    short, surplus = shortfall(problem, roster), overstaffing(problem, roster)
    live = [q for q in problem.queues if q.key not in problem.workload]  # email: by its backlog
    penalties = {
        "understaffing": sum(q.shortfall_weight * sum(short[q.key]) for q in live),
        "overstaffing": sum(q.overstaffing_weight * sum(surplus[q.key]) for q in live),
        "off_queue": OFF_QUEUE_WEIGHT * off_queue_intervals(problem, roster),
        **deferred_penalties(problem, roster),
    }
    if problem.committed:
        missing = committed_shortfall(problem, roster)
        penalties["commitments"] = sum(COMMITMENT_FACTOR * q.shortfall_weight
                                       * sum(missing[q.key]) for q in problem.queues)
    if has_pay(problem):
        penalties["shift_cost"] = roster_cost(problem, roster)
    if any(agent.shift_requests for agent in problem.agents):
        penalties["shift_requests"] = sum(sum(v) for v in broken_requests(problem,
                                                                          roster).values())
    if problem.day_demand:
        index = {day: d for d, day in enumerate(problem.grid.day_list)}
        day_short, day_over = day_shortfall(problem, roster), day_surplus(problem, roster)
        penalties["day_understaffing"] = sum(
            demand.under_weight * day_short[demand.shift_type][index[demand.day]]
            for demand in problem.day_demand)
        penalties["day_overstaffing"] = sum(
            demand.over_weight * day_over[demand.shift_type][index[demand.day]]
            for demand in problem.day_demand)
    penalties.update(switch_penalty(problem, roster))
    penalties.update(fairness_penalties(problem, roster))
    if published is not None:
        penalties["changes"] = change_weight * len(changed_days(problem, published, roster))
    return penalties
