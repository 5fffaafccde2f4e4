"""Paid coffee breaks: placed in their windows, off the queues, counted as paid time."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tiny_instances import assert_valid, hours, make_agent, make_problem

from scheduler.domain import Roster, ShiftRule
from scheduler.greedy import greedy_roster
from scheduler.lower_bound import lp_bound
from scheduler.objective import soft_penalties
from scheduler.plan import plan_roster
from scheduler.solve import solve
from scheduler.validate import validate


def _one_day_shift(**contract):
    """One agent, one 8 h shift 08-16 wanted on a 15-min grid (a 60-min meal break)."""
    agent = make_agent(earliest_start_minute=8 * 60, latest_start_minute=8 * 60,
                       lengths_minutes=(480,), contract=contract or None)
    return make_problem((agent,), interval_minutes=15, need={"q1": hours(8, 16)})


def test_an_8_hour_shift_gets_two_paid_coffee_breaks_off_the_queue():
    # 420 paid minutes a week is only reachable if both coffee breaks are paid working time
    problem = _one_day_shift(min_minutes_per_period=420, max_minutes_per_period=420)
    result = solve(problem, time_limit_seconds=5, num_workers=1)
    assert_valid(problem, result)
    (shift,) = result.roster.shifts
    coffee = sorted((b for b in shift.breaks if b.kind == "coffee"), key=lambda b: b.start)
    assert len(coffee) == 2 and all(b.paid for b in coffee)
    assert [b.end - b.start for b in coffee] == [timedelta(minutes=15)] * 2
    offsets = [(b.start - shift.start) / timedelta(minutes=1) for b in coffee]
    assert 60 <= offsets[0] <= 180 and 300 <= offsets[1] <= 420
    assert shift.paid_minutes == 420  # 480 less the unpaid 60-min meal break only
    # the agent is on no queue during a coffee break: 4 meal + 2 coffee intervals are short
    grid = problem.grid
    for b in coffee:
        t = grid.index_of(b.start)
        assert result.shortfall["q1"][t] == 1
    assert result.penalties["understaffing"] == 100 * 6
    assert result.penalties["off_queue"] == 0  # a coffee break is no back-office time
    assert soft_penalties(problem, result.roster) == dict(result.penalties)


def test_validator_wants_each_coffee_break_in_its_window_and_off_the_queue():
    problem = _one_day_shift()
    result = solve(problem, time_limit_seconds=5, num_workers=1)
    assert_valid(problem, result)
    (shift,) = result.roster.shifts
    meal = [b for b in shift.breaks if b.kind == "meal"]
    coffee = sorted((b for b in shift.breaks if b.kind == "coffee"), key=lambda b: b.start)

    def rules(**changes) -> set[str]:
        return {v.rule for v in validate(problem, Roster((replace(shift, **changes),)))}

    assert "coffee_break" in rules(breaks=tuple(meal + coffee[:1]))  # one missing
    late = replace(coffee[0], start=shift.start + timedelta(minutes=240),
                   end=shift.start + timedelta(minutes=255))
    assert "coffee_break" in rules(breaks=tuple(meal + [late, coffee[1]]))  # outside window
    unpaid = replace(coffee[0], paid=False)
    assert "coffee_break" in rules(breaks=tuple(meal + [unpaid, coffee[1]]))
    # working the queue through the coffee break
    full = replace(shift.activities[0], start=shift.start, end=shift.end)
    assert "activity_during_break" in rules(activities=(full,))


def test_no_coffee_breaks_on_a_coarse_grid_or_when_turned_off():
    rule = ShiftRule("r", 8 * 60, 8 * 60, (480,))
    assert rule.coffee_breaks(480, 15) == 2 and rule.coffee_breaks(300, 15) == 1
    assert rule.coffee_breaks(480, 30) == 0  # a 15-min break does not fit a 30-min interval
    assert replace(rule, coffee_break_every_minutes=0).coffee_breaks(480, 15) == 0


def test_lp_bound_counts_coffee_breaks_and_stays_below_the_optimum():
    # the one agent's shift is fixed 08-16: 4 meal and 2 coffee intervals are short for sure
    problem = _one_day_shift()
    result = solve(problem, time_limit_seconds=5, num_workers=1)
    bound = lp_bound(problem)
    assert bound.value == result.objective == 100 * 6  # without coffee in the LP: 400


def test_planner_and_greedy_place_coffee_breaks_validly():
    agents = tuple(make_agent(k, skills=("q1", "q2"), lengths_minutes=(480,),
                              min_activity_minutes=60) for k in ("a1", "a2", "a3"))
    problem = make_problem(agents, queues=("q1", "q2"), days=2, interval_minutes=15,
                           need={"q1": hours(8, 16), "q2": hours(10, 20, 2)},
                           clients={"q2": "globex"})
    planned, parts = plan_roster(problem, time_limit_seconds=1)
    assert parts == soft_penalties(problem, planned)
    for roster in (greedy_roster(problem), planned):
        assert roster.shifts and validate(problem, roster) == []
        for shift in roster.shifts:
            assert sum(b.kind == "coffee" for b in shift.breaks) == 2
