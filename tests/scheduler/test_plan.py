"""The planned roster (LP plan, named shifts, local search) for problems too big for CP-SAT."""

from __future__ import annotations

import multiprocessing
import os

import scheduler.plan as plan
import scheduler.plan_moves as plan_moves
from scheduler.bench import synthetic_problem
from scheduler.greedy import greedy_roster
from scheduler.objective import soft_penalties as evaluate
from scheduler.plan import plan_roster
from scheduler.solve import FULL_MODEL_MAX_AGENT_DAYS, solve
from scheduler.validate import validate


def test_planned_roster_is_valid_counts_its_penalties_and_is_no_worse_than_greedy():
    problem = synthetic_problem(seed=2, n_agents=40)
    roster, parts = plan_roster(problem, time_limit_seconds=15)
    assert validate(problem, roster) == []
    assert parts == evaluate(problem, roster)
    # the planned start competes with the greedy one, and the search only ever improves
    # (how much depends on the machine's load, so the test does not ask for more)
    greedy = sum(evaluate(problem, greedy_roster(problem)).values())
    assert sum(parts.values()) <= greedy


def test_solve_plans_large_problems_and_says_so():
    problem = synthetic_problem(seed=3, n_agents=FULL_MODEL_MAX_AGENT_DAYS // 7 + 5)
    seen = []
    result = solve(problem, time_limit_seconds=6, progress=lambda *xs: seen.append(xs))
    assert result.status == "FEASIBLE" and "planned" in result.message
    assert validate(problem, result.roster) == []
    assert result.objective == sum(result.penalties.values())
    assert result.penalties == evaluate(problem, result.roster)
    assert seen and seen[-1][1] == result.objective



def test_the_search_on_a_second_core_is_kept_when_it_is_better(monkeypatch):
    problem = synthetic_problem(seed=4, n_agents=20)
    parent = os.getpid()

    def only_in_the_copy(state, *args):  # this process keeps its start roster; the copy
        if os.getpid() != parent:  # improves it by one sweep of best responses, however
            for a in state.agents:  # loaded the machine is
                plan_moves.best_response(state, a)

    monkeypatch.setattr(plan, "_local_search", only_in_the_copy)
    monkeypatch.setattr(plan, "PARALLEL_MIN_AGENTS", 10**6)  # one core: the start stands
    _, alone = plan_roster(problem, time_limit_seconds=3, seed=3)
    monkeypatch.setattr(plan, "PARALLEL_MIN_AGENTS", 1)  # two: the copy's search is taken
    monkeypatch.setattr(plan, "_free_cores", lambda: 2)  # however busy the machine is
    roster, parts = plan_roster(problem, time_limit_seconds=3, seed=3)
    assert validate(problem, roster) == []
    assert parts == evaluate(problem, roster)
    assert sum(parts.values()) < sum(alone.values())
    assert multiprocessing.active_children() == []  # and the copy has ended
