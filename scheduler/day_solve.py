"""Solving a problem planned per day: branch-and-price and CP-SAT side by side.

Used by `solve()` when `scheduler.columns.decomposable` says the problem is planned per day
and every soft term outside the day-level ones is constant. Column generation gives a proven
lower bound and a first roster in seconds; CP-SAT then searches the same model from that
roster, with the bound as a constraint, in a second thread, while branch-and-price goes on
closing the gap with CP-SAT's best objective as its cutoff. Whichever roster is best is
returned; it is proven optimal when the bound reaches it.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model, cp_model_helper

from scheduler.columns import Search
from scheduler.domain import Problem, Roster, SolveResult
from scheduler.penalties import SoftTerm
from scheduler.variables import Variables

DAY_TERMS = ("shift_requests", "day_understaffing", "day_overstaffing")
BRANCHING_SHARE = 0.9  # of the time limit; CP-SAT keeps searching to the end
# a large root may not converge in time: stop it here and dive, so CP-SAT gets a roster
ROOT_SHARE, DIVE_SHARE = 0.6, 0.75
# CP-SAT's workers beside the branch-and-price thread: on 2 cores a second one takes CPU from
# the pricing (pure Python and numpy), which finds and proves the good rosters here
CP_SAT_WORKERS = 1


def constant_value(expression: cp_model.LinearExprT) -> int | None:
    """The value of an expression without variables, None when it has some."""
    if isinstance(expression, int):
        return expression
    flat = cp_model_helper.FlatIntExpr(expression)
    return None if flat.vars else int(flat.offset)


def day_level(terms: list[SoftTerm]) -> bool:
    """Whether every soft term outside the day-level ones is a constant."""
    return all(t.name in DAY_TERMS or constant_value(t.expression) is not None for t in terms)


@dataclass
class Best:
    """The best roster CP-SAT has reported so far, shared between the threads."""

    objective: float = math.inf
    roster: Roster | None = None
    penalties: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Keeper(cp_model.CpSolverSolutionCallback):
    """Keeps each improving CP-SAT solution as a roster with its named penalties."""

    def __init__(self, v: Variables, terms: list[SoftTerm], best: Best, report) -> None:
        super().__init__()
        self.v, self.terms, self.best, self.report = v, terms, best, report

    def on_solution_callback(self) -> None:
        """Extract the roster; the search thread reads the objective as its cutoff."""
        roster = self.v.extract(self)
        penalties = {t.name: int(self.value(t.expression)) for t in self.terms if t.shown}
        with self.best.lock:
            if self.objective_value < self.best.objective:
                self.best.objective = self.objective_value
                self.best.roster = roster
                self.best.penalties = penalties
        self.report(self.objective_value)


def solve_by_days(
    problem: Problem, model: cp_model.CpModel, v: Variables, terms: list[SoftTerm], *,
    time_limit_seconds: float, hint: Roster | None, progress, parameters, began: float,
) -> SolveResult:
    """Branch-and-price and CP-SAT on a day-level problem; see the module docstring."""
    deadline = began + time_limit_seconds
    best = Best()
    bound = {"value": 0.0}
    # terms outside the day-level ones are constants (`day_level`); the search leaves them out
    offset = sum(constant_value(t.expression) or 0 for t in terms if t.name not in DAY_TERMS)

    def report(objective: float | None = None) -> None:
        if progress:
            value = min(best.objective, search.incumbent + offset) if objective is None \
                else objective
            if value < math.inf:
                progress(time.monotonic() - began, value, bound["value"])

    search = Search(problem, v.candidates, began + BRANCHING_SHARE * time_limit_seconds,
                    outside=lambda: best.objective - offset)
    values = search.root(root_deadline=began + ROOT_SHARE * time_limit_seconds,
                         dive_deadline=began + DIVE_SHARE * time_limit_seconds)
    if values is not None:
        bound["value"] = max(0.0, math.ceil(search.bound - 1e-6) + offset)
    report()
    objective = sum(t.expression for t in terms)
    model.minimize(objective)
    if values is not None:
        model.add(objective >= int(bound["value"]))
    start = hint if hint is not None else search.roster()
    if start is not None:
        v.hint(start)
        for term in terms:
            term.hint(model, problem, start)
    solver = cp_model.CpSolver()
    parameters(solver)
    solver.parameters.num_workers = min(solver.parameters.num_workers, CP_SAT_WORKERS)
    solver.parameters.max_time_in_seconds = max(1.0, deadline - time.monotonic())
    keeper = _Keeper(v, terms, best, report)
    outcome: dict[str, int] = {}
    thread = threading.Thread(target=lambda: outcome.setdefault(
        "status", solver.solve(model, keeper)), daemon=True)
    thread.start()
    if values is not None:
        search.tree(values)
        bound["value"] = max(bound["value"], math.ceil(search.bound - 1e-6) + offset)
        if bound["value"] >= min(best.objective, search.incumbent + offset):
            solver.stop_search()
    thread.join()
    status = outcome.get("status", cp_model.UNKNOWN)
    if status == cp_model.OPTIMAL:
        bound["value"] = max(bound["value"], best.objective)
    elif status == cp_model.INFEASIBLE and search.best is None:
        return SolveResult(Roster(()), "INFEASIBLE", 0.0, 0.0, time.monotonic() - began)
    return _result(search, best, terms, offset, bound["value"], time.monotonic() - began)


def _result(search: Search, best: Best, terms: list[SoftTerm], offset: int,
            bound: float, wall: float) -> SolveResult:
    """The better of the two rosters, OPTIMAL when the bound reaches it."""
    if search.best is not None and search.incumbent + offset < best.objective:
        roster, objective = search.roster(), search.incumbent + offset
        penalties = _search_penalties(search, terms)
    elif best.roster is not None:
        roster, objective, penalties = best.roster, best.objective, best.penalties
    else:
        return SolveResult(Roster(()), "UNKNOWN", 0.0, bound, wall,
                           message="no roster found in the time limit; try a longer one")
    status = "OPTIMAL" if bound >= objective else "FEASIBLE"
    return SolveResult(roster=roster, status=status, objective=float(objective),
                       best_bound=float(min(bound, objective)), wall_seconds=wall,
                       penalties=penalties)


def _search_penalties(search: Search, terms: list[SoftTerm]) -> dict[str, int]:
    """Named penalties of branch-and-price's roster, from its own columns."""
    count = [0] * len(search.master.demand)
    for col in search.best or ():
        for r in col.rows:
            count[r] += 1
    under = sum(w * max(0, req - c) for c, (req, w, _) in zip(count, search.master.demand,
                                                              strict=True))
    over = sum(w * max(0, c - req) for c, (req, _, w) in zip(count, search.master.demand,
                                                             strict=True))
    own = {"shift_requests": sum(col.cost for col in search.best or ()),
           "day_understaffing": under, "day_overstaffing": over}
    return {t.name: own[t.name] if t.name in own else constant_value(t.expression) or 0
            for t in terms if t.shown}
