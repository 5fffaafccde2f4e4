"""Exact values of the named soft terms and what solve() reports alongside the roster."""

from __future__ import annotations

from tiny_instances import assert_valid, hours, make_agent, make_problem

from scheduler.domain import Problem, Queue
from scheduler.solve import solve


def test_understaffing_is_weight_times_missing_agent_intervals():
    # requirement 2 for four hours, one agent: one agent short in each of 4 intervals
    problem = make_problem((make_agent(lengths_minutes=(240,)),), need={"q1": hours(8, 12, 2)},
                           shortfall_weight=70)
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    assert result.penalties == {"understaffing": 70 * 4, "overstaffing": 0, "off_queue": 0}
    assert result.objective == 280
    assert result.shortfall["q1"][8:12] == (1, 1, 1, 1)
    assert sum(result.shortfall["q1"]) == 4


def test_overstaffing_counts_surplus_agent_intervals():
    agents = tuple(make_agent(k, lengths_minutes=(240,), min_week=7 * 240) for k in ("a1", "a2"))
    problem = make_problem(agents, need={"q1": hours(8, 12)})
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    # the agents could work evenings (starts up to 16:00), so the fairness term applies
    assert result.penalties == {"understaffing": 0, "overstaffing": 4, "off_queue": 0,
                                "fair_evenings": 0}
    assert sum(result.overstaffing["q1"]) == 4


def test_demand_while_closed_is_reported_as_shortfall():
    problem = make_problem((make_agent(),), need={"q1": hours(20, 22)})
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    assert result.penalties["understaffing"] == 200
    assert result.roster.shifts == ()


def test_multi_skilled_agent_goes_where_the_weight_is_higher():
    base = make_problem((make_agent(skills=("q1", "q2"), lengths_minutes=(240,)),),
                        queues=("q1", "q2"), need={"q1": hours(8, 12), "q2": hours(8, 12)})
    queues = (Queue("q1", "acme", "voice", "fi", shortfall_weight=100),
              Queue("q2", "bolt", "chat", "sv", shortfall_weight=300))
    problem = Problem(base.grid, queues, base.agents, base.requirement, base.is_open)
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    assert result.penalties["understaffing"] == 100 * 4
    assert sum(result.shortfall["q2"]) == 0


def test_progress_reports_improving_solutions_and_hint_is_accepted():
    problem = make_problem(tuple(make_agent(k, skills=("q1",)) for k in ("a1", "a2")), days=2,
                           need={"q1": hours(8, 18, 2)})
    seen = []
    first = solve(problem, time_limit_seconds=5, progress=lambda *xs: seen.append(xs))
    assert_valid(problem, first)
    assert seen and seen[-1][1] == first.objective
    assert all(objective >= bound for _, objective, bound in seen)
    again = solve(problem, time_limit_seconds=5, hint=first.roster)
    assert_valid(problem, again)
    assert again.objective == first.objective


def test_solver_avoids_back_office_time_when_queue_work_exists():
    """With a queue open only 08-16, the agent's 8 h shift is placed inside opening hours."""
    agent = make_agent(earliest_start_minute=6 * 60, latest_start_minute=12 * 60,
                       lengths_minutes=(480,), meal_break_over_minutes=600, min_week=480)
    problem = make_problem((agent,), open_hours={"q1": hours(8, 16)}, need={"q1": hours(9, 10)})
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    assert result.penalties["off_queue"] == 0
    (shift,) = result.roster.shifts
    assert problem.grid.local(problem.grid.index_of(shift.start)).hour == 8


def test_a_promised_agent_wins_over_heavier_unpromised_demand():
    """The agent goes to the lighter queue where an approved request promised one agent."""
    base = make_problem((make_agent(skills=("q1", "q2"), lengths_minutes=(240,)),),
                        queues=("q1", "q2"), need={"q1": hours(8, 12), "q2": hours(8, 12)})
    queues = (Queue("q1", "acme", "voice", "fi", shortfall_weight=100),
              Queue("q2", "bolt", "chat", "sv", shortfall_weight=300))
    promised = tuple(hours(8, 12)(0, base.grid.local(t).hour * 60)
                     for t in range(base.grid.n_intervals))
    problem = Problem(base.grid, queues, base.agents, base.requirement, base.is_open,
                      committed={"q1": promised})
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    assert sum(result.shortfall["q1"]) == 0 and sum(result.shortfall["q2"]) == 4
    assert result.penalties["commitments"] == 0
    assert result.penalties["understaffing"] == 300 * 4


def test_a_promise_nobody_can_keep_costs_three_times_the_weight():
    """Two agents promised for four hours, one agent: 4 missing promised agent-intervals."""
    base = make_problem((make_agent(lengths_minutes=(240,)),), need={"q1": hours(8, 12, 2)})
    promised = tuple(hours(8, 12, 2)(0, base.grid.local(t).hour * 60)
                     for t in range(base.grid.n_intervals))
    problem = Problem(base.grid, base.queues, base.agents, base.requirement, base.is_open,
                      committed={"q1": promised})
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    assert result.penalties["commitments"] == 3 * 100 * 4
    assert result.penalties["understaffing"] == 100 * 4
