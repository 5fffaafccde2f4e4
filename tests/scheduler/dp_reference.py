"""The reference for pattern pricing: one agent's best pattern found by CP-SAT on the rules."""

from __future__ import annotations

import random
from dataclasses import replace

from ortools.sat.python import cp_model

from scheduler.day_penalties import shift_requests
from scheduler.day_rules import DAY_RULES
from scheduler.domain import Agent, Problem
from scheduler.rules import HARD_RULES
from scheduler.variables import Variables

SCALE = 1000  # prices in thousandths, so CP-SAT's integer objective is exact


def random_prices(problem: Problem, seed: int) -> dict[tuple[int, str], float]:
    """Random day prices (in thousandths) for every demanded (day, shift type)."""
    rng = random.Random(seed)
    return {((dd.day - problem.grid.start_day).days, dd.shift_type):
            rng.randint(-5000, 150000) / SCALE for dd in problem.day_demand}


def cp_sat_best(problem: Problem, agent: Agent, prices, forbidden=(), required=()) -> float | None:
    """min of (broken requests - prices worked) over the agent's valid rosters, by CP-SAT."""
    alone = replace(problem, agents=(agent,),
                    fixed_before={k: v for k, v in problem.fixed_before.items()
                                  if k == agent.key})
    model = cp_model.CpModel()
    v = Variables(model, alone)
    for add in (*HARD_RULES, *DAY_RULES):
        add(model, alone, v)
    own = shift_requests(model, alone, v).expression
    priced = []
    for (a, d, i), x in v.shift.items():
        c = v.candidates[a][d][i]
        priced.append(round(SCALE * prices.get((d, c.shift_type), 0.0)) * x)
        if (d, c.shift_type) in forbidden:
            model.add(x == 0)
    for d, t in required:
        model.add(sum(x for (a, e, i), x in v.shift.items()
                      if e == d and v.candidates[a][e][i].shift_type == t) == 1)
    model.minimize(SCALE * own - sum(priced))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    if solver.solve(model) != cp_model.OPTIMAL:
        return None
    return solver.objective_value / SCALE
