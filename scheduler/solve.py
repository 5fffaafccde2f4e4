"""Build the rostering model from a Problem, solve it with CP-SAT and report a SolveResult."""

from __future__ import annotations

import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from scheduler.coverage import overstaffing, shortfall
from scheduler.domain import Problem, Roster, SolveResult
from scheduler.greedy import greedy_roster
from scheduler.penalties import SOFT_TERMS
from scheduler.rules import HARD_RULES, week_bounds
from scheduler.variables import Variables

Progress = Callable[[float, float, float], None]  # (seconds, objective, best_bound)
RANDOM_SEED = 7
NUM_WORKERS = 2  # measured on the 70-agent week: see scheduler/bench.py


def solve(
    problem: Problem,
    *,
    time_limit_seconds: float = 30,
    hint: Roster | None = None,
    progress: Progress | None = None,
    num_workers: int = NUM_WORKERS,
) -> SolveResult:
    """Roster the problem's agents, minimising weighted understaffing and overstaffing.

    `time_limit_seconds` bounds the CP-SAT search; building the model and the greedy start add
    about 3 s on the 70-agent demo week.
    """
    began = time.monotonic()
    model = cp_model.CpModel()
    v = Variables(model, problem)
    for add in HARD_RULES:
        add(model, problem, v)
    terms = [term(model, problem, v) for term in SOFT_TERMS]
    model.minimize(sum(term.expression for term in terms))
    # without a previous roster, a greedy one gives CP-SAT a good complete start (bench.py)
    start = hint if hint is not None else greedy_roster(problem)
    v.hint(start)
    for term in terms:
        term.hint(model, problem, start)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = num_workers
    solver.parameters.max_time_in_seconds = time_limit_seconds
    solver.parameters.random_seed = RANDOM_SEED
    status = solver.solve(model, _Reporter(progress, began) if progress else None)
    wall = time.monotonic() - began
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return SolveResult(
            Roster(()), solver.status_name(status), 0.0, 0.0, wall, message=_why(problem, v)
        )
    roster = v.extract(solver)
    return SolveResult(
        roster=roster,
        status=solver.status_name(status),
        objective=solver.objective_value,
        best_bound=solver.best_objective_bound,
        wall_seconds=wall,
        penalties={term.name: int(solver.value(term.expression)) for term in terms},
        shortfall=shortfall(problem, roster),
        overstaffing=overstaffing(problem, roster),
    )


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Passes each improving solution's (seconds, objective, best_bound) to a callback."""

    def __init__(self, progress: Progress, began: float) -> None:
        super().__init__()
        self._progress = progress
        self._began = began

    def on_solution_callback(self) -> None:
        """Report the new solution."""
        seconds = time.monotonic() - self._began
        self._progress(seconds, self.objective_value, self.best_objective_bound)


def _why(problem: Problem, v: Variables) -> str:
    """A plain-words reason the hard rules contradict, as far as a quick check can tell."""
    short = []
    for agent in problem.agents:
        for days in problem.weeks().values():
            low, _ = week_bounds(problem, agent.key, days)
            best = sum(
                max(c.paid_minutes for c in v.candidates[agent.key][d])
                for d in days
                if d in v.candidates[agent.key]
            )
            if best < low:
                week = problem.grid.day_list[days[0]].isocalendar().week
                short.append(
                    f"{agent.name} ({agent.key}) needs at least {low} paid minutes in week "
                    f"{week} but their possible shifts give at most {best}"
                )
    if short:
        return "Contract minimum cannot be met: " + "; ".join(short) + "."
    return (
        "The hard rules contradict each other (contract hours, daily rest, meal breaks or "
        "opening hours); no roster satisfies them all."
    )
