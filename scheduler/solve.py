"""Build the rostering model from a Problem, solve it with CP-SAT and report a SolveResult."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from ortools.sat.python import cp_model

from scheduler.billing import billable_hours
from scheduler.columns import decomposable
from scheduler.coverage import overstaffing, shortfall
from scheduler.day_penalties import day_terms
from scheduler.day_rules import DAY_RULES
from scheduler.day_solve import day_level, solve_by_days
from scheduler.domain import Problem, Roster, SolveResult
from scheduler.explain import explain_infeasible
from scheduler.greedy import greedy_roster
from scheduler.lower_bound import lp_bound
from scheduler.objective import soft_penalties
from scheduler.penalties import (
    CHANGE_WEIGHT,
    SOFT_TERM_LISTS,
    SOFT_TERMS,
    changes,
    commitments,
)
from scheduler.plan import plan_roster
from scheduler.rules import HARD_RULES, week_bounds
from scheduler.validate import validate
from scheduler.variables import Variables
from scheduler.workload import deferred_work

Progress = Callable[[float, float, float], None]  # (seconds, objective, best_bound)
StopRequested = Callable[[], bool]  # polled while solving; True stops the search
STOP_POLL_SECONDS = 0.25
RANDOM_SEED = 7
NUM_WORKERS = 2  # measured on the 70-agent week: see scheduler/bench.py
# full probing spends ~3 s of presolve on the demo week before the hint is even tried; level 1
# leaves short limits (the web's 10 s) a solution and loses nothing in 55 s (bench.py)
PROBING_LEVEL = 1
# Beyond this many agents the full CP-SAT model takes longer to build and presolve than its
# search can repay: on the 70-agent week, 30 s of `scheduler.plan` (LP plan + local search)
# reach 40.8k (5.8 % above the LP bound) where the greedy start + CP-SAT stayed at 54.0k.
FULL_MODEL_MAX_AGENT_DAYS = 30 * 7  # agents x planned days
GREEDY_MAX_AGENT_DAYS = 20 * 7  # up to here the greedy start is as good as a planned one
PLAN_SHARE = 0.35  # of the time limit, for the planned start of a CP-SAT search


def solve(
    problem: Problem,
    *,
    time_limit_seconds: float = 30,
    hint: Roster | None = None,
    progress: Progress | None = None,
    num_workers: int = NUM_WORKERS,
    keep: Roster | None = None,
    change_weight: int = CHANGE_WEIGHT,
    stop: StopRequested | None = None,
) -> SolveResult:
    """Roster the problem's agents, minimising weighted understaffing and overstaffing.

    `time_limit_seconds` bounds the start roster and the CP-SAT search together; building
    the model adds a few seconds (about 3 s on the 70-agent demo week). Without a hint, the
    start is the greedy roster for tiny problems and `scheduler.plan` (an LP plan turned
    into named shifts, then local search) otherwise; above `FULL_MODEL_MAX_AGENT_DAYS`
    agent-days that planned roster is the result. With `keep` (a published roster) the
    objective gains the named term `changes`, `change_weight` per agent-day whose shift
    differs from it, and `keep` is the default hint. The best bound is the better of
    CP-SAT's and the aggregated LP's (`scheduler.lower_bound`); a roster that meets it is
    reported OPTIMAL. Agents `problem.committed` promises (approved capacity requests) add the
    named term `commitments`; email queues with `problem.workload` are judged by their backlog
    (`scheduler.workload`). A problem planned per day and shift type only (no queues) goes to
    branch-and-price (`scheduler.day_solve`). `stop` is polled a few times a second; once it
    returns True the search ends early with the best roster so far.
    """
    began = time.monotonic()
    start = hint if hint is not None else keep
    agent_days = len(problem.agents) * problem.grid.days
    per_day = bool(problem.day_demand) and not problem.queues  # maybe branch-and-price's
    if start is None and not per_day and agent_days > FULL_MODEL_MAX_AGENT_DAYS:
        roster, _ = plan_roster(problem, time_limit_seconds=time_limit_seconds, seed=RANDOM_SEED,
                                progress=progress, stop=stop)
        if not validate(problem, roster):
            result = _start_result(
                problem, roster, time.monotonic() - began, None, change_weight,
                f"planned by the LP and local search (CP-SAT's full model is used up to "
                f"{FULL_MODEL_MAX_AGENT_DAYS} agent-days); no bound computed")
            if progress:
                progress(result.wall_seconds, result.objective, result.best_bound)
            return result
        start = roster  # some agent's rules defeated the plan: CP-SAT repairs or explains
    model = cp_model.CpModel()
    v = Variables(model, problem)
    for add in (*HARD_RULES, *DAY_RULES):
        add(model, problem, v)
    terms = [term(model, problem, v) for term in SOFT_TERMS] + day_terms(model, problem, v)
    terms += [term for rule in SOFT_TERM_LISTS for term in rule(model, problem, v)]
    terms += deferred_work(model, problem, v)  # email's cumulative workload, when given
    if problem.committed:
        terms.append(commitments(model, problem, v))
    if keep is None and decomposable(problem, v.candidates) and day_level(terms):
        # planned per day: branch-and-price proves bounds CP-SAT alone cannot (day_solve.py)
        result = solve_by_days(problem, model, v, terms, time_limit_seconds=time_limit_seconds,
                               hint=hint, progress=progress, began=began,
                               parameters=lambda s: _parameters(s, num_workers,
                                                                time_limit_seconds))
        if result.status == "INFEASIBLE":
            result = replace(result, message=_why(problem, v))
        return result
    if start is None:
        if agent_days <= GREEDY_MAX_AGENT_DAYS:
            start = greedy_roster(problem)
        else:
            start, _ = plan_roster(problem, time_limit_seconds=PLAN_SHARE * time_limit_seconds,
                                   seed=RANDOM_SEED, stop=stop)
    if keep is not None:
        terms.append(changes(model, problem, v, keep, change_weight))
    objective = sum(term.expression for term in terms)
    model.minimize(objective)
    # CP-SAT's own bound is weak on these covering models; the aggregated LP's is often
    # exact (it proves the MTPA optimum 6336, where CP-SAT's stays near 1,800), so the
    # search stops as soon as a roster meets it
    lp_value = lp_bound(problem, time_limit_seconds=5).value if _lp_bounds(problem) else 0.0
    v.hint(start)
    for term in terms:
        term.hint(model, problem, start)
    solver = cp_model.CpSolver()
    _parameters(solver, num_workers, max(0.01, time_limit_seconds - (time.monotonic() - began)))
    with _StopWatch(solver, stop):
        status = solver.solve(model, _Reporter(progress, began, stop_at=lp_value))
    wall = time.monotonic() - began
    if status == cp_model.UNKNOWN and not validate(problem, start):
        return _start_result(problem, start, wall, keep, change_weight,
                             "time limit reached before CP-SAT improved the start roster; it "
                             "is returned as is (a longer limit gives a better roster)")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return SolveResult(
            Roster(()), solver.status_name(status), 0.0, 0.0, wall,
            message=_why(problem, v) if status == cp_model.INFEASIBLE else "no roster found in "
            f"{time_limit_seconds:g} s; try a longer time limit",
        )
    roster = v.extract(solver)
    bound = max(solver.best_objective_bound, lp_value)
    proven = status == cp_model.OPTIMAL or solver.objective_value <= bound + 1e-6
    return SolveResult(
        roster=roster,
        status="OPTIMAL" if proven else solver.status_name(status),
        objective=solver.objective_value,
        best_bound=min(bound, solver.objective_value),
        wall_seconds=wall,
        penalties={term.name: int(solver.value(term.expression)) for term in terms
                   if term.shown},
        shortfall=shortfall(problem, roster),
        overstaffing=overstaffing(problem, roster),
        billable_hours=billable_hours(problem, roster),
    )


def _lp_bounds(problem: Problem) -> bool:
    """Whether the aggregated LP's value bounds this problem's objective from below.

    It counts understaffing per interval on every queue, back-office time of every agent and
    pay; deferred (email) queues, promises, shift requests and day demand weigh otherwise, so
    for those problems only CP-SAT's own bound is used.
    """
    return (not problem.workload and not problem.committed and not problem.day_demand
            and all(a.skills and not a.shift_requests for a in problem.agents))


def _parameters(solver: cp_model.CpSolver, num_workers: int, time_limit_seconds: float) -> None:
    """The search parameters every solve uses."""
    solver.parameters.num_workers = num_workers
    solver.parameters.max_time_in_seconds = time_limit_seconds
    solver.parameters.random_seed = RANDOM_SEED
    solver.parameters.cp_model_probing_level = PROBING_LEVEL


def _start_result(
    problem: Problem, start: Roster, wall: float, keep: Roster | None, change_weight: int,
    message: str,
) -> SolveResult:
    """A valid roster that CP-SAT did not (or was not asked to) improve, as a result.

    On a busy machine presolve alone can use a short limit up; a valid roster with its gaps
    shown beats none. Penalties are counted from the roster, as the model would weigh them.
    """
    penalties = soft_penalties(problem, start, published=keep, change_weight=change_weight)
    return SolveResult(
        roster=start, status="FEASIBLE", objective=float(sum(penalties.values())),
        best_bound=0.0, wall_seconds=wall, penalties=penalties,
        shortfall=shortfall(problem, start), overstaffing=overstaffing(problem, start),
        message=message, billable_hours=billable_hours(problem, start),
    )


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Passes each improving solution's (seconds, objective, best_bound) to a callback, and
    stops the search once a solution reaches a proven bound (`stop_at`)."""

    def __init__(self, progress: Progress | None, began: float, stop_at: float = 0) -> None:
        super().__init__()
        self._progress = progress
        self._began = began
        self._stop_at = stop_at

    def on_solution_callback(self) -> None:
        """Report the new solution; stop when nothing better can exist."""
        seconds = time.monotonic() - self._began
        if self._progress is not None:
            self._progress(seconds, self.objective_value, self.best_objective_bound)
        if self._stop_at > 0 and self.objective_value <= self._stop_at + 1e-6:
            self.stop_search()


class _StopWatch:
    """While the search runs, a thread polls `stop` and asks CP-SAT to stop when it says so."""

    def __init__(self, solver: cp_model.CpSolver, stop: StopRequested | None) -> None:
        self._solver, self._stop = solver, stop
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _StopWatch:
        if self._stop is not None:
            self._thread = threading.Thread(target=self._watch, daemon=True, name="solve-stop")
            self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def _watch(self) -> None:
        """Poll until the search ends; StopSearch is CP-SAT's thread-safe way to end it."""
        while not self._done.wait(STOP_POLL_SECONDS):
            if self._stop():
                self._solver.stop_search()
                return


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
    contradictions = [c.text for c in explain_infeasible(problem)]
    if short:
        return "Contract minimum cannot be met: " + "; ".join(short + contradictions) + "."
    if contradictions:
        return "Hard rules contradict: " + "; ".join(contradictions) + "."
    return (
        "The hard rules contradict each other (contract hours, daily rest, meal breaks or "
        "opening hours); no roster satisfies them all."
    )
