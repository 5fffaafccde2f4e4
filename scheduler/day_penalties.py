"""Named soft terms planned per day: agents' shift requests and demand per day and shift type.

They join the objective only when the problem has requests or day demand, so a problem
without them keeps exactly its old terms. Each term's `count` recomputes it from a roster
(`scheduler.objective`), which is how the validator checks the solver's figures.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler import objective
from scheduler.day_rules import typed
from scheduler.domain import Problem
from scheduler.penalties import SoftRule, SoftTerm
from scheduler.variables import Variables


def shift_requests(model: cp_model.CpModel, problem: Problem, v: Variables) -> SoftTerm:
    """Broken shift on/off requests, each weighted by its own weight.

    An on request is broken when the agent does not work that day (or not that shift type),
    an off request when they do.
    """
    index = {day: d for d, day in enumerate(problem.grid.day_list)}
    terms: list[cp_model.LinearExprT] = []
    for agent in problem.agents:
        for request in agent.shift_requests:
            d = index.get(request.day)
            if d is None:
                continue  # a request outside the period does not bind it
            if request.shift_type:
                chosen = typed(v, agent.key, d, request.shift_type)
            else:
                chosen = [x for _, x in v.day_candidates(agent.key, d)] if (
                    agent.key, d) in v.works else []
            worked = sum(chosen)
            terms.append(request.weight * ((1 - worked) if request.wanted else worked))
    return SoftTerm("shift_requests", sum(terms), objective.broken_requests)


def day_understaffing(model: cp_model.CpModel, problem: Problem, v: Variables) -> SoftTerm:
    """Agents missing per day and shift type, weighted by each demand's under weight."""
    terms, weights, slack = [], [], {}
    constant = 0
    index = {day: d for d, day in enumerate(problem.grid.day_list)}
    for demand in problem.day_demand:
        d = index[demand.day]
        if demand.requirement == 0:
            continue
        working = _working(problem, v, d, demand.shift_type)
        if not working:
            constant += demand.under_weight * demand.requirement
            continue
        short = model.new_int_var(0, demand.requirement, f"day_short[{demand.shift_type},{d}]")
        # equal, not just at least: every solution's objective is its roster's true cost
        model.add_max_equality(short, [0, demand.requirement - sum(working)])
        terms.append(short)
        weights.append(demand.under_weight)
        slack[demand.shift_type, d] = short
    expression = cp_model.LinearExpr.weighted_sum(terms, weights) + constant
    return SoftTerm("day_understaffing", expression, objective.day_shortfall, slack)


def day_overstaffing(model: cp_model.CpModel, problem: Problem, v: Variables) -> SoftTerm:
    """Agents over the demand per day and shift type, weighted by each demand's over weight."""
    terms, weights, slack = [], [], {}
    index = {day: d for d, day in enumerate(problem.grid.day_list)}
    for demand in problem.day_demand:
        d = index[demand.day]
        working = _working(problem, v, d, demand.shift_type)
        if len(working) <= demand.requirement:
            continue
        surplus = model.new_int_var(0, len(working) - demand.requirement,
                                    f"day_surplus[{demand.shift_type},{d}]")
        model.add_max_equality(surplus, [0, sum(working) - demand.requirement])
        terms.append(surplus)
        weights.append(demand.over_weight)
        slack[demand.shift_type, d] = surplus
    expression = cp_model.LinearExpr.weighted_sum(terms, weights)
    return SoftTerm("day_overstaffing", expression, objective.day_surplus, slack)


def _working(problem: Problem, v: Variables, d: int, shift_type: str) -> list[cp_model.IntVar]:
    """Shift variables of every agent working the type on day d."""
    return [x for agent in problem.agents for x in typed(v, agent.key, d, shift_type)]


def day_terms(model: cp_model.CpModel, problem: Problem, v: Variables) -> list[SoftTerm]:
    """The day-level soft terms this problem uses (none for a problem without them)."""
    rules: list[SoftRule] = []
    if any(agent.shift_requests for agent in problem.agents):
        rules.append(shift_requests)
    if problem.day_demand:
        rules += [day_understaffing, day_overstaffing]
    return [rule(model, problem, v) for rule in rules]
