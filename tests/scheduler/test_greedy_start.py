"""The greedy roster that seeds the solver is itself a valid roster."""

from __future__ import annotations

from tiny_instances import hours, make_agent, make_problem

from scheduler.bench import synthetic_problem
from scheduler.coverage import coverage
from scheduler.greedy import greedy_roster
from scheduler.solve import solve
from scheduler.validate import validate


def test_greedy_roster_is_valid_and_covers_demand_it_can():
    agents = (
        make_agent("a1", skills=("q1",), min_week=7 * 200),
        make_agent("a2", skills=("q1", "q2"), min_week=7 * 200),
        make_agent("a3", skills=("q2",), time_off=()),
    )
    problem = make_problem(agents, days=3, queues=("q1", "q2"),
                           need={"q1": hours(8, 16), "q2": hours(12, 20)})
    roster = greedy_roster(problem)
    assert validate(problem, roster) == []
    covered = coverage(problem, roster)
    assert sum(covered["q1"]) >= 3 * 6 and sum(covered["q2"]) >= 3 * 6


def test_time_limit_before_any_solution_returns_the_valid_start_roster():
    problem = synthetic_problem(n_agents=20)
    result = solve(problem, time_limit_seconds=0.01)
    assert result.status == "FEASIBLE" and "start roster" in result.message
    assert validate(problem, result.roster) == []
    assert result.objective == sum(result.penalties.values()) > 0
