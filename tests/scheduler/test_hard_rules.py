"""One test per hard rule of the rostering model, on tiny instances solved by CP-SAT."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tiny_instances import MONDAY, assert_valid, hours, make_agent, make_problem

from scheduler.coverage import coverage
from scheduler.solve import solve

WEIGHT = 100


def local_hour(problem, instant) -> int:
    """Local wall-clock hour of an instant."""
    return instant.astimezone(problem.grid.zone).hour


def test_demand_covered_when_one_agent_suffices():
    problem = make_problem((make_agent(),), need={"q1": hours(8, 12)})
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    assert result.objective == 0
    assert coverage(problem, result.roster)["q1"][8:12] == (1, 1, 1, 1)


def test_demand_twice_a_day_still_gets_one_shift():
    # 4 h shifts only; demand 08-12 and 16-20 would need the agent twice in the day
    agent = make_agent(lengths_minutes=(240,))
    twice = {"q1": lambda d, m: hours(8, 12)(d, m) + hours(16, 20)(d, m)}
    problem = make_problem((agent,), need=twice)
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    assert len(result.roster.shifts) == 1
    assert result.penalties["understaffing"] == WEIGHT * 4


def test_meal_break_inside_window_for_long_shift():
    agent = make_agent(lengths_minutes=(480,), meal_break_window_minutes=(180, 240))
    problem = make_problem((agent,), need={"q1": hours(8, 16)})
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    (shift,) = result.roster.shifts
    (meal,) = shift.breaks
    assert meal.start - shift.start in (timedelta(hours=3), timedelta(hours=4))
    assert shift.paid_minutes == 420
    # nobody covers the queue during the break: exactly one hour short
    assert result.penalties["understaffing"] == WEIGHT


def test_short_shift_has_no_meal_break():
    problem = make_problem((make_agent(lengths_minutes=(240,)),), need={"q1": hours(8, 12)})
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    assert [s.breaks for s in result.roster.shifts] == [()]


def test_daily_rest_forces_later_start():
    # a late shift on Monday (20-24) and an early demand on Tuesday (08-12)
    agent = make_agent(latest_start_minute=20 * 60, lengths_minutes=(240,))
    need = {"q1": lambda d, m: int((d == 0 and m >= 20 * 60) or (d == 1 and 8 * 60 <= m < 12 * 60))}
    open_late = {"q1": hours(8, 24)}
    rested = make_problem((agent,), days=2, need=need, open_hours=open_late)
    result = solve(rested, time_limit_seconds=5)
    assert_valid(rested, result)
    monday, tuesday = result.roster.shifts
    assert tuesday.start - monday.end >= timedelta(hours=11)
    # three hours short either way (e.g. Tuesday from 11:00), plus three surplus hours
    assert result.objective == 3 * WEIGHT + 3

    no_rest = make_agent(latest_start_minute=20 * 60, lengths_minutes=(240,),
                         contract={"min_daily_rest_minutes": 0})
    free = make_problem((no_rest,), days=2, need=need, open_hours=open_late)
    assert solve(free, time_limit_seconds=5).objective == 0


def test_time_off_leaves_day_empty():
    agent = make_agent(time_off=(MONDAY + timedelta(days=1),))
    problem = make_problem((agent,), days=2, need={"q1": hours(8, 12)})
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    assert [s.day for s in result.roster.shifts] == [MONDAY]
    assert result.shortfall["q1"][24 + 8 : 24 + 12] == (1, 1, 1, 1)


def test_uncertified_queue_never_staffed():
    agent = make_agent(skills=("q1",), min_week=7 * 240)  # must work 4 h anyway
    problem = make_problem((agent,), queues=("q1", "q2"), need={"q2": hours(8, 12)})
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    assert sum(coverage(problem, result.roster)["q2"]) == 0
    assert result.penalties["understaffing"] == WEIGHT * 4
    assert {a.queue for s in result.roster.shifts for a in s.activities} == {"q1"}


def test_closed_queue_never_staffed():
    # q1 has demand all day but closes at 12; the agent must work 8 h, so spends 12-16 on q2
    agent = make_agent(skills=("q1", "q2"), lengths_minutes=(480,), min_week=7 * 420,
                       meal_break_minutes=60)
    problem = make_problem(
        (agent,), queues=("q1", "q2"), need={"q1": hours(8, 20)},
        open_hours={"q1": hours(8, 12), "q2": hours(8, 20)},
    )
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    assert sum(coverage(problem, result.roster)["q1"][12:]) == 0
    assert sum(coverage(problem, result.roster)["q1"][8:12]) == 4


def test_contract_minimum_forces_hours_without_demand():
    agent = make_agent(min_week=7 * 240, lengths_minutes=(240,))  # one day: at least 240 min
    problem = make_problem((agent,))
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    assert sum(s.paid_minutes for s in result.roster.shifts) == 240
    assert result.penalties == {"understaffing": 0, "overstaffing": 4, "off_queue": 0}


def test_weekly_maximum_caps_hours_despite_demand():
    agent = make_agent(max_week=7 * 160, lengths_minutes=(240,))  # three days: at most 480 min
    problem = make_problem((agent,), days=3, need={"q1": hours(8, 16)})
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    assert sum(s.paid_minutes for s in result.roster.shifts) == 480
    assert result.penalties["understaffing"] == WEIGHT * (3 * 8 - 8)


def test_daily_maximum_rules_out_long_shifts():
    agent = make_agent(contract={"max_minutes_per_day": 300})
    problem = make_problem((agent,), need={"q1": hours(8, 16)})
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    assert [s.length_minutes for s in result.roster.shifts] == [240]


def test_one_queue_per_interval_for_multi_skilled_agent():
    agent = make_agent(skills=("q1", "q2"), lengths_minutes=(240,))
    problem = make_problem((agent,), queues=("q1", "q2"),
                           need={"q1": hours(8, 12), "q2": hours(8, 12)})
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    covered = coverage(problem, result.roster)
    assert [covered["q1"][t] + covered["q2"][t] for t in range(8, 12)] == [1, 1, 1, 1]
    assert result.penalties["understaffing"] == WEIGHT * 4


def test_contradictory_contract_is_infeasible_and_names_agent():
    # a one-day plan: minimum 600 paid minutes but shifts pay at most 420
    agent = make_agent("kaisa", min_week=7 * 600)
    problem = make_problem((agent,))
    result = solve(problem, time_limit_seconds=5)
    assert result.status == "INFEASIBLE"
    assert result.roster.shifts == ()
    assert "kaisa" in result.message and "600" in result.message


def test_spring_dst_day_rosters_on_23_hour_grid():
    # 30 March 2025: clocks jump from 03:00 to 04:00 in Helsinki
    agent = make_agent(earliest_start_minute=2 * 60, latest_start_minute=5 * 60,
                       lengths_minutes=(240,))
    problem = make_problem((agent,), start_day=MONDAY.replace(day=30), need={"q1": hours(2, 6)},
                           open_hours={"q1": hours(0, 24)})
    assert problem.grid.n_intervals == 23
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    (shift,) = result.roster.shifts
    assert shift.length_minutes == 240


def test_weekday_public_holiday_shortens_the_contract_week():
    """A full-time week with a closed weekday holiday needs four days, not five (arkipyhä)."""
    agent = make_agent(min_week=5 * 480, lengths_minutes=(480,), meal_break_over_minutes=600)
    tuesday = MONDAY + timedelta(days=1)
    closed_tuesday = {"q1": lambda d, m: d in (0, 2, 3, 4) and 8 * 60 <= m < 20 * 60}
    problem = make_problem((agent,), days=7, open_hours=closed_tuesday)
    assert solve(problem, time_limit_seconds=5).status == "INFEASIBLE"
    with_holiday = replace(problem, holidays=frozenset({tuesday}))
    result = solve(with_holiday, time_limit_seconds=5)
    assert_valid(with_holiday, result)
    assert sum(s.paid_minutes for s in result.roster.shifts) == 4 * 480
