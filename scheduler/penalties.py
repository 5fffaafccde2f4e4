"""Named soft terms of the rostering objective, each with integer weights per queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.domain import Problem
from scheduler.variables import Variables


@dataclass(frozen=True)
class SoftTerm:
    """A named, already weighted part of the objective, to report on its own."""

    name: str
    expression: cp_model.LinearExprT


def understaffing(model: cp_model.CpModel, problem: Problem, v: Variables) -> SoftTerm:
    """Missing agents per queue and interval, weighted by the queue's shortfall weight."""
    terms, weights = [], []
    constant = 0
    for queue in problem.queues:
        for t, required in enumerate(problem.requirement[queue.key]):
            if required == 0:
                continue
            working = v.queue_activities(queue.key, t)
            if not working:
                constant += queue.shortfall_weight * required  # nobody can ever work it then
                continue
            shortfall = model.new_int_var(0, required, f"shortfall[{queue.key},{t}]")
            model.add(shortfall >= required - sum(working))
            terms.append(shortfall)
            weights.append(queue.shortfall_weight)
    return SoftTerm("understaffing", cp_model.LinearExpr.weighted_sum(terms, weights) + constant)


def overstaffing(model: cp_model.CpModel, problem: Problem, v: Variables) -> SoftTerm:
    """Surplus agents per queue and interval, weighted by the queue's overstaffing weight."""
    terms, weights = [], []
    for queue in problem.queues:
        for t, required in enumerate(problem.requirement[queue.key]):
            working = v.queue_activities(queue.key, t)
            if len(working) <= required:
                continue
            surplus = model.new_int_var(0, len(working) - required, f"surplus[{queue.key},{t}]")
            model.add(surplus >= sum(working) - required)
            terms.append(surplus)
            weights.append(queue.overstaffing_weight)
    return SoftTerm("overstaffing", cp_model.LinearExpr.weighted_sum(terms, weights))


SoftRule = Callable[[cp_model.CpModel, Problem, Variables], SoftTerm]

SOFT_TERMS: tuple[SoftRule, ...] = (understaffing, overstaffing)
