"""The benchmark's LP bound is a proven lower bound, and tight where integrality costs nothing."""

from __future__ import annotations

from tiny_instances import hours, make_agent, make_problem

from scheduler import aggregate
from scheduler.aggregate import achievable_week, group_agents
from scheduler.lower_bound import lp_bound
from scheduler.solve import solve


def one_agent_four_hours():
    """One agent, one 4-hour shift a day at most; demand 2 agents 08-12: one short per hour."""
    agent = make_agent(lengths_minutes=(240,))
    return make_problem((agent,), need={"q1": hours(8, 12, value=2)})


def test_bound_equals_the_optimum_when_integrality_costs_nothing():
    problem = one_agent_four_hours()
    result = solve(problem, time_limit_seconds=5)
    assert result.status == "OPTIMAL"
    bound = lp_bound(problem)
    assert bound.status == "OPTIMAL"
    assert bound.value == result.objective == 4 * 100


def test_bound_never_exceeds_the_optimum_and_pdlp_duals_stay_below_glop():
    agents = (
        make_agent("a1", skills=("q1", "q2"), min_week=3 * 240, lengths_minutes=(240, 480)),
        make_agent("a2", skills=("q2",), lengths_minutes=(240, 480)),
    )
    problem = make_problem(agents, queues=("q1", "q2"), days=3,
                           need={"q1": hours(8, 14, value=2), "q2": hours(10, 18)})
    result = solve(problem, time_limit_seconds=10)
    assert result.status == "OPTIMAL"
    exact = lp_bound(problem)
    approximate = lp_bound(problem, exact=False)
    assert 0 < approximate.value <= exact.value <= result.objective


def test_a_contract_minimum_is_part_of_the_bound():
    # the agent must work 8 h but demand is only 4 h: the other 4 h are surplus or idle
    agent = make_agent(min_week=7 * 480, max_week=7 * 480, lengths_minutes=(480,),
                       meal_break_over_minutes=600)  # a one-day period: 8 h exactly
    problem = make_problem((agent,), need={"q1": hours(8, 12)})
    result = solve(problem, time_limit_seconds=5)
    bound = lp_bound(problem)
    assert bound.value == result.objective == 4  # four surplus hours at weight 1


def test_the_lp_shortfall_per_queue_adds_up_to_its_understaffing():
    # two queues, one agent: the LP's per-queue shortfall is what the bench compares a roster
    # with, so weighted it must be the LP's understaffing term
    agent = make_agent(skills=("q1", "q2"), lengths_minutes=(240,))
    problem = make_problem((agent,), queues=("q1", "q2"),
                           need={"q1": hours(8, 12), "q2": hours(10, 14)})
    bound = lp_bound(problem)
    weights = {q.key: q.shortfall_weight for q in problem.queues}
    weighted = sum(weights[q] * short for q, short in bound.short_by_queue.items())
    assert abs(weighted - bound.parts["understaffing"]) < 1e-6
    assert sum(bound.short_by_queue.values()) >= 4  # 8 agent-hours wanted, 4 can be worked


def test_unfair_evenings_that_no_roster_avoids_raise_the_bound_but_not_past_the_optimum():
    # only a1 serves the evening queue (18-22 on two days); a2 could work evenings but has
    # nothing to do then, so a1 stays above the fair share of evening intervals
    a1 = make_agent("a1", skills=("q1",), lengths_minutes=(240,), earliest_start_minute=18 * 60,
                    latest_start_minute=18 * 60)
    a2 = make_agent("a2", skills=("q2",), lengths_minutes=(240,), earliest_start_minute=18 * 60,
                    latest_start_minute=18 * 60)
    problem = make_problem((a1, a2), queues=("q1", "q2"), days=2,
                           need={"q1": hours(18, 22)},
                           open_hours={"q1": hours(8, 23), "q2": hours(8, 23)})
    result = solve(problem, time_limit_seconds=10)
    assert result.status == "OPTIMAL" and result.penalties["fair_evenings"] > 0
    bound = lp_bound(problem)
    assert bound.parts["fair_evenings"] > 0
    assert bound.value <= result.objective


def test_a_weekly_minimum_no_shift_total_makes_exactly_is_rounded_up_to_one_that_does():
    # a one-day period asks 300 paid minutes of shifts of 4 or 8 hours: only the 8-hour shift
    # reaches it, so four of its hours are surplus (the LP alone would mix 3/4 of a 4-hour
    # shift with 1/4 of an 8-hour one and see one surplus hour)
    agent = make_agent(min_week=7 * 300, lengths_minutes=(240, 480),
                       meal_break_over_minutes=600)
    problem = make_problem((agent,), need={"q1": hours(8, 12)})
    result = solve(problem, time_limit_seconds=5)
    assert result.status == "OPTIMAL"
    assert lp_bound(problem).value == result.objective == 4


def test_weekly_totals_are_the_sums_shifts_can_make():
    # shifts of 4 or 8 paid hours, at most six days in a whole week (the weekly rest)
    agent = make_agent(min_week=1000, max_week=7 * 480, lengths_minutes=(240, 480),
                       meal_break_over_minutes=600)
    problem = make_problem((agent,), days=7)
    (group,) = group_agents(problem)
    assert achievable_week(group, problem, list(range(7)), 1000, 7 * 480) == (1200, 6 * 480)
    # nothing between the bounds: they stand as they are
    assert achievable_week(group, problem, list(range(7)), 250, 260) == (250, 260)


def late_then_early():
    """One agent, two days: demand 18-22 on Monday and 06-10 on Tuesday, 4-hour shifts
    starting 06-18; the 11-hour daily rest forbids working both."""
    agent = make_agent(lengths_minutes=(240,), earliest_start_minute=6 * 60,
                       latest_start_minute=18 * 60)
    need = {"q1": lambda d, m: 1 if (d == 0 and 18 * 60 <= m < 22 * 60)
            or (d == 1 and 6 * 60 <= m < 10 * 60) else 0}
    return make_problem((agent,), days=2, need=need, open_hours={"q1": hours(6, 23)})


def test_the_daily_rest_between_a_late_and_an_early_shift_raises_the_bound(monkeypatch):
    problem = late_then_early()
    result = solve(problem, time_limit_seconds=10)
    assert result.status == "OPTIMAL"
    with_cuts = lp_bound(problem).value
    monkeypatch.setattr(aggregate, "REST_CUTS", False)
    without = lp_bound(problem).value
    assert without == 0  # both shifts fit when the rest is left out
    assert 0 < with_cuts <= result.objective
