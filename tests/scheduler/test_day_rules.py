"""One test per day-level rule on tiny instances: feasible, infeasible, exact penalty.

Each rule runs down both solver paths: branch-and-price with CP-SAT (a problem planned per
day) and plain CP-SAT (the same problem with an idle queue), which must agree.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from tiny_instances import (
    EARLY,
    LATE,
    MONDAY,
    assert_valid,
    day_agent,
    day_problem,
    day_rule,
    local,
)

from scheduler.domain import DayDemand, Shift, ShiftRequest, ShiftRule, ShiftType
from scheduler.objective import soft_penalties
from scheduler.solve import solve

PATHS = pytest.mark.parametrize("with_queue", [False, True], ids=["by-days", "cp-sat"])
UNDER = 100


def solved(problem):
    """Solve, check with the validator and the independent recomputation, return the result."""
    result = solve(problem, time_limit_seconds=10)
    assert_valid(problem, result)
    assert result.status == "OPTIMAL"
    recomputed = soft_penalties(problem, result.roster)
    assert recomputed == dict(result.penalties)
    assert sum(recomputed.values()) == result.objective
    return result


def worked(result, agent="a1"):
    """Day indices and types the agent works."""
    return sorted(((s.day - MONDAY).days, s.shift_type) for s in result.roster.shifts
                  if s.agent == agent)


@PATHS
def test_day_demand_is_met_with_typed_shifts(with_queue):
    problem = day_problem((day_agent(),), {(0, "E"): 1, (1, "L"): 1}, with_queue=with_queue)
    result = solved(problem)
    assert result.objective == 0
    assert worked(result) == [(0, "E"), (1, "L")]
    late = next(s for s in result.roster.shifts if s.shift_type == "L")
    assert late.start == local(MONDAY + timedelta(days=1), 14)


@PATHS
def test_day_cover_penalties_are_weight_times_agents(with_queue):
    # two agents each must work 5 shifts; demand is 1 early a day for 4 days: 6 over, 0 under
    agents = tuple(day_agent(k, min_minutes_per_period=5 * 480) for k in ("a1", "a2"))
    problem = day_problem(agents, {(d, "E"): 1 for d in range(4)}, with_queue=with_queue,
                          over=3)
    result = solved(problem)
    assert result.penalties["day_understaffing"] == 0
    assert result.penalties["day_overstaffing"] == 3 * 6


@PATHS
def test_max_shifts_per_type(with_queue):
    agent = day_agent(max_shifts_per_type={"L": 1})
    problem = day_problem((agent,), {(d, "L"): 1 for d in range(3)}, with_queue=with_queue)
    result = solved(problem)
    assert [t for _, t in worked(result)].count("L") == 1
    assert result.objective == 2 * UNDER


@PATHS
def test_period_paid_minutes_bounds(with_queue):
    most = day_agent(max_minutes_per_period=2 * 480)
    problem = day_problem((most,), {(d, "E"): 1 for d in range(5)}, with_queue=with_queue)
    assert solved(problem).objective == 3 * UNDER
    least = day_agent(min_minutes_per_period=3 * 480)
    problem = day_problem((least,), with_queue=with_queue)
    assert solved(problem).objective == 3  # three shifts nobody asked for, over weight 1


@PATHS
def test_period_minimum_beyond_reach_is_infeasible_and_explained(with_queue):
    agent = day_agent(min_minutes_per_period=4 * 480, max_shifts_per_type={"E": 1, "L": 2})
    result = solve(day_problem((agent,), with_queue=with_queue), time_limit_seconds=10)
    assert result.status == "INFEASIBLE"
    assert "shifts per type" in result.message
    assert "contract hours over the period" in result.message


@PATHS
def test_min_consecutive_days(with_queue):
    # demand only on Wednesday; a lone working day is too short, so a neighbour is worked too
    agent = day_agent(min_consecutive_days=2)
    result = solved(day_problem((agent,), {(2, "E"): 1}, with_queue=with_queue))
    assert result.objective == 1
    days = [d for d, _ in worked(result)]
    assert 2 in days and len(days) == 2 and days[1] - days[0] == 1


@PATHS
def test_min_consecutive_days_boundaries(with_queue):
    agent = day_agent(min_consecutive_days=2)
    # a run at the start is free when nothing is known before, and so is one at the end
    free = solved(day_problem((agent,), {(0, "E"): 1, (6, "E"): 1}, with_queue=with_queue))
    assert free.objective == 0
    # a published shift two days before (and none the day before) bounds the first run
    before = MONDAY - timedelta(days=2)
    published = {"a1": (Shift("a1", before, local(before, 6), local(before, 14),
                              shift_type="E"),)}
    bound = solved(day_problem((agent,), {(0, "E"): 1}, with_queue=with_queue,
                               fixed_before=published))
    assert bound.objective == 1


@PATHS
def test_min_consecutive_days_off(with_queue):
    # work wanted Monday and Wednesday: a single day off between them is too short
    agent = day_agent(min_consecutive_days_off=2)
    result = solved(day_problem((agent,), {(0, "E"): 1, (2, "E"): 1}, with_queue=with_queue))
    assert result.objective == 1  # Tuesday worked too (over by one)
    assert [d for d, _ in worked(result)][:3] == [0, 1, 2]


@PATHS
def test_max_consecutive_days(with_queue):
    agent = day_agent(max_consecutive_days=3)
    result = solved(day_problem((agent,), {(d, "E"): 1 for d in range(5)},
                                with_queue=with_queue))
    assert result.objective == UNDER  # one of five days in a row is left short


@PATHS
def test_max_weekends(with_queue):
    agent = day_agent(max_weekends=1)
    demand = {(5, "E"): 1, (13, "L"): 1}  # first Saturday, second Sunday
    result = solved(day_problem((agent,), demand, days=14, with_queue=with_queue))
    assert result.objective == UNDER
    both = day_agent(max_weekends=1)
    same = solved(day_problem((both,), {(5, "E"): 1, (6, "E"): 1}, with_queue=with_queue))
    assert same.objective == 0  # Saturday and Sunday of one weekend count once


@PATHS
def test_forbidden_succession(with_queue):
    rule = day_rule(EARLY, replace(LATE, not_followed_by=("E",)))
    agent = day_agent(rule=rule)
    demand = {(0, "L"): 1, (1, "E"): 1}
    assert solved(day_problem((agent,), demand, with_queue=with_queue)).objective == UNDER
    free = day_agent()
    assert solved(day_problem((free,), demand, with_queue=with_queue)).objective == 0


@PATHS
def test_forbidden_succession_after_the_published_roster(with_queue):
    rule = day_rule(EARLY, replace(LATE, not_followed_by=("E",)))
    eve = MONDAY - timedelta(days=1)
    published = {"a1": (Shift("a1", eve, local(eve, 14), local(eve, 22), shift_type="L"),)}
    problem = day_problem((day_agent(rule=rule),), {(0, "E"): 1}, with_queue=with_queue,
                          fixed_before=published)
    assert solved(problem).objective == UNDER


@PATHS
def test_shift_requests_cost_their_weight(with_queue):
    requests = (ShiftRequest(MONDAY, True, 3, "L"),  # wants a late Monday
                ShiftRequest(MONDAY + timedelta(days=1), False, 2),  # wants Tuesday off
                ShiftRequest(MONDAY + timedelta(days=2), True, 5))  # wants to work Wednesday
    agent = day_agent(requests=requests, max_minutes_per_period=480)
    # one shift only: Wednesday (5) beats Monday late (3); Tuesday stays off
    result = solved(day_problem((agent,), with_queue=with_queue, over=0))
    assert result.penalties["shift_requests"] == 3
    assert worked(result) == [(2, "E")] or worked(result) == [(2, "L")]


def test_day_demand_and_shift_types_are_checked():
    problem = day_problem((day_agent(),))
    with pytest.raises(ValueError, match="unknown shift type"):
        replace(problem, day_demand=(DayDemand(MONDAY, "N", 1),))
    with pytest.raises(ValueError, match="outside the planning period"):
        replace(problem, day_demand=(DayDemand(MONDAY - timedelta(days=1), "E", 1),))
    with pytest.raises(ValueError, match="outside"):
        ShiftRule("day", 0, 600, (480,), shift_types=(ShiftType("X", 720, 720, (480,)),))
    with pytest.raises(ValueError, match="unknown types"):
        ShiftRule("day", 0, 600, (480,),
                  shift_types=(ShiftType("X", 0, 0, (480,), not_followed_by=("Y",)),))
