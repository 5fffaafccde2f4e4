"""Deferred work (email) in a roster, counted without the solver: work done, backlog, late work.

A deferred queue's `Workload` says how many agent-minutes arrive in each interval and how
many fall due by the end of each interval. The agents a roster puts on the queue do
`interval_minutes` agent-minutes each per interval, oldest work first, never work that has not
arrived yet (work-conserving, so no roster with the same agents gets more done by any time).
From that:

- **overdue** at the end of interval t is the work due by then and not yet done,
  `due(<= t) - done(<= t)`, whichever order the work is done in;
- **late work** counts overdue work, in whole agent-intervals, at every open interval of the
  queue: work an hour overdue at 30-minute intervals counts twice. Closed intervals do not
  count (nobody can work the queue then);
- **surplus** counts agent-intervals on the queue with nothing left to do; over the period,
  agent-minutes on the queue beyond the work done, rounded down to agent-intervals (the
  penalty counts this total, as the work may be spread thinner than oldest-first does).

These are exactly the quantities the solver's `late_work` and `deferred_surplus` terms
minimise (scheduler.workload), so a roster's counts are its penalties.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scheduler.domain import Problem, Workload


@dataclass(frozen=True)
class Backlog:
    """Per interval of one deferred queue: agent-minutes done, waiting and overdue at its end."""

    done: tuple[int, ...]
    waiting: tuple[int, ...]
    overdue: tuple[int, ...]
    late: tuple[int, ...]  # overdue agent-intervals, counted at open intervals only
    surplus: tuple[int, ...]  # whole agent-intervals on the queue with nothing to do
    surplus_total: int  # agent-minutes on the queue beyond the work done, in agent-intervals


def due_intervals(is_open: np.ndarray, window_intervals: int) -> np.ndarray:
    """Last interval of each arrival's response window: the k-th open interval from arrival.

    The window starts at the arrival interval when open, else at the next open one. Returns
    n (past the end) where the window runs off the period.
    """
    is_open = np.asarray(is_open, dtype=bool)
    n = is_open.size
    open_index = np.flatnonzero(is_open)
    first = np.searchsorted(open_index, np.arange(n), side="left")
    last = first + max(1, int(window_intervals)) - 1
    due = np.full(n, n, dtype=np.int64)
    inside = last < open_index.size
    due[inside] = open_index[last[inside]]
    return due


def account(
    work: Workload, agents: Sequence[int], is_open: Sequence[bool], interval_minutes: int
) -> Backlog:
    """Work done, backlog, overdue work, late and surplus agent-intervals of one queue."""
    arrived = np.cumsum(np.asarray(work.arrived, dtype=np.int64))
    due = np.cumsum(np.asarray(work.due, dtype=np.int64))
    staffed = np.asarray(agents, dtype=np.int64)
    opened = np.asarray(is_open, dtype=bool)
    n = arrived.size
    if staffed.size != n or opened.size != n:
        raise ValueError(f"need {n} intervals of agents and opening flags")
    done = np.zeros(n, dtype=np.int64)
    total = 0
    for t in range(n):  # work-conserving: done(<=t) = min(arrived(<=t), done(<=t-1) + capacity)
        step = min(int(arrived[t]) - total, interval_minutes * int(staffed[t]))
        done[t] = step
        total += step
    done_total = np.cumsum(done)
    overdue = np.maximum(due - done_total, 0)
    late = np.where(opened, -(-overdue // interval_minutes), 0)
    surplus = (interval_minutes * staffed - done) // interval_minutes
    return Backlog(
        done=tuple(done.tolist()),
        waiting=tuple((arrived - done_total).tolist()),
        overdue=tuple(overdue.tolist()),
        late=tuple(late.tolist()),
        surplus=tuple(surplus.tolist()),
        surplus_total=int(interval_minutes * staffed.sum() - done.sum()) // interval_minutes,
    )


def backlogs(problem: Problem, agents: Mapping[str, Sequence[int]]) -> dict[str, Backlog]:
    """The backlog of every deferred queue of a problem, from its agents per interval."""
    n = problem.grid.n_intervals
    return {
        key: account(work, agents.get(key, (0,) * n), problem.is_open[key],
                     problem.grid.interval_minutes)
        for key, work in problem.workload.items()
    }


def late_work_report(problem: Problem, agents: Mapping[str, Sequence[int]]) -> list[str]:
    """One line per deferred queue with late work: how much, and when the backlog peaked."""
    lines = []
    grid = problem.grid
    for key, backlog in sorted(backlogs(problem, agents).items()):
        if not any(backlog.late):
            continue
        worst = int(np.argmax(backlog.overdue))
        when = grid.local(worst).strftime("%a %d.%m. %H:%M")
        lines.append(
            f"{key}: {sum(backlog.late)} overdue agent-intervals over the open intervals; "
            f"most overdue {backlog.overdue[worst]} agent-minutes at the end of {when}, "
            f"{backlog.waiting[-1]} agent-minutes still waiting at the period's end"
        )
    return lines
