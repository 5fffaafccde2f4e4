"""Deferred work in the rostering model: cumulative workload constraints with late work penalised.

A queue with a `Workload` (email) has no per-interval requirement in the objective. Instead,
per interval t of the queue, with `done(<= t)` the agent-minutes of its work done by the end of
interval t:

- `done(<= t) - done(<= t-1) <= interval_minutes x agents on the queue in t` (capacity);
- `done(<= t) <= arrived(<= t)`: nobody answers an email before it arrives;
- `late[t] x interval_minutes >= due(<= t) - done(<= t)` at each open interval: late work is
  a soft shortfall, so a roster always comes back. Work may be done anywhere before it falls
  due at no cost; work left overdue costs at every open interval it stays overdue.

Weights: one overdue agent-interval costs `ceil(shortfall_weight / window_intervals)` per
open interval, so work a whole response window late costs about what one missing
agent-interval of a live queue costs. Agent time on the queue beyond the work done there is
surplus, in whole agent-intervals over the period, at the queue's overstaffing weight (on
other queues surplus agents cost the same). scheduler.backlog counts the
same quantities from a roster without the solver.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from scheduler import coverage
from scheduler.backlog import backlogs
from scheduler.domain import Problem, Queue, Roster, Workload
from scheduler.penalties import SoftTerm
from scheduler.variables import Variables


def late_weight(queue: Queue, work: Workload) -> int:
    """Penalty per overdue agent-interval per open interval of a deferred queue."""
    return max(1, math.ceil(queue.shortfall_weight / work.window_intervals))


@dataclass(frozen=True)
class WorkloadTerm(SoftTerm):
    """The late-work term, which also hints work done and surplus from a roster's backlog."""

    done: Mapping[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    surplus: Mapping[str, cp_model.IntVar] = field(default_factory=dict)

    def hint(self, model: cp_model.CpModel, problem: Problem, roster: Roster) -> None:
        """Hint late work, work done and surplus with their values in a roster."""
        counted = backlogs(problem, coverage.coverage(problem, roster))
        for (queue, t), var in self.slack.items():
            model.add_hint(var, counted[queue].late[t])
        done = {q: np.cumsum(b.done) for q, b in counted.items()}
        for (queue, t), var in self.done.items():
            model.add_hint(var, int(done[queue][t]))
        for queue, var in self.surplus.items():
            model.add_hint(var, counted[queue].surplus_total)


def deferred_work(model: cp_model.CpModel, problem: Problem, v: Variables) -> list[SoftTerm]:
    """The `late_work` and `deferred_surplus` terms of every queue with a workload."""
    if not problem.workload:
        return []
    minutes = problem.grid.interval_minutes
    late_terms, late_weights, late_slack = [], [], {}
    idle_terms, idle_weights, idle_slack = [], [], {}
    done_vars: dict[tuple[str, int], cp_model.IntVar] = {}
    for key, work in sorted(problem.workload.items()):
        queue = problem.queue(key)
        weight = late_weight(queue, work)
        arrived = np.cumsum(work.arrived)
        due = np.cumsum(work.due)
        before: cp_model.LinearExprT = 0  # done(<= t-1)
        on_queue: list[cp_model.IntVar] = []
        for t in range(problem.grid.n_intervals):
            working = v.queue_activities(key, t)
            on_queue.extend(working)
            if working and arrived[t] > 0:
                done = model.new_int_var(0, int(arrived[t]), f"done[{key},{t}]")
                model.add(done >= before)
                model.add(done - before <= minutes * sum(working))
                done_vars[key, t] = done
                before = done
            if problem.is_open[key][t] and due[t] > 0:
                late = model.new_int_var(0, -(-int(due[t]) // minutes), f"late[{key},{t}]")
                model.add(minutes * late >= int(due[t]) - before)
                late_terms.append(late)
                late_weights.append(weight)
                late_slack[key, t] = late
        if on_queue:
            # agent-minutes on the queue beyond the work done, in whole agent-intervals
            idle = model.new_int_var(0, len(on_queue), f"surplus[{key}]")
            model.add(minutes * idle >= minutes * sum(on_queue) - before - (minutes - 1))
            idle_terms.append(idle)
            idle_weights.append(queue.overstaffing_weight)
            idle_slack[key] = idle
    return [
        WorkloadTerm("late_work", cp_model.LinearExpr.weighted_sum(late_terms, late_weights),
                     coverage.shortfall, late_slack, done=done_vars, surplus=idle_slack),
        SoftTerm("deferred_surplus", cp_model.LinearExpr.weighted_sum(idle_terms, idle_weights),
                 lambda _problem, _roster: {}),
    ]


def deferred_penalties(problem: Problem, roster: Roster) -> dict[str, int]:
    """The `late_work` and `deferred_surplus` penalties of a roster, as the model weighs them."""
    if not problem.workload:
        return {}
    counted = backlogs(problem, coverage.coverage(problem, roster))
    late = sum(late_weight(problem.queue(q), problem.workload[q]) * sum(b.late)
               for q, b in counted.items())
    idle = sum(problem.queue(q).overstaffing_weight * b.surplus_total for q, b in counted.items())
    return {"late_work": late, "deferred_surplus": idle}
