"""Agents working each queue per interval, read from a roster's activities (no solver)."""

from __future__ import annotations

import math

from scheduler.backlog import backlogs
from scheduler.domain import Problem, Roster


def coverage(problem: Problem, roster: Roster) -> dict[str, tuple[int, ...]]:
    """Number of agents on each queue in each interval of the grid.

    An interval counts when it starts inside an activity; activities on unknown queues or off
    the period are ignored here (the validator reports them).
    """
    grid = problem.grid
    counts = {q.key: [0] * grid.n_intervals for q in problem.queues}
    for shift in roster.shifts:
        for act in shift.activities:
            if act.queue not in counts:
                continue
            first = math.ceil((act.start - grid.start_utc) / grid.step)
            end = math.ceil((act.end - grid.start_utc) / grid.step)
            for t in range(max(first, 0), min(end, grid.n_intervals)):
                counts[act.queue][t] += 1
    return {key: tuple(values) for key, values in counts.items()}


def shortfall(problem: Problem, roster: Roster) -> dict[str, tuple[int, ...]]:
    """Missing agents per queue and interval: requirement less coverage, never negative.

    A queue with a workload (email) reports its late work instead: overdue agent-intervals
    at each open interval (scheduler.backlog).
    """
    covered = coverage(problem, roster)
    late = {q: b.late for q, b in backlogs(problem, covered).items()}
    return {
        q: late[q] if q in late else
        tuple(max(0, r - c) for r, c in zip(problem.requirement[q], covered[q], strict=True))
        for q in covered
    }


def overstaffing(problem: Problem, roster: Roster) -> dict[str, tuple[int, ...]]:
    """Surplus agents per queue and interval: coverage less requirement, never negative.

    A queue with a workload reports agent-intervals on it with nothing left to do.
    """
    covered = coverage(problem, roster)
    idle = {q: b.surplus for q, b in backlogs(problem, covered).items()}
    return {
        q: idle[q] if q in idle else
        tuple(max(0, c - r) for r, c in zip(problem.requirement[q], covered[q], strict=True))
        for q in covered
    }
