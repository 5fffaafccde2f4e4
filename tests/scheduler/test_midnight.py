"""Night shifts cross midnight: the solver rosters them, on the day they start, validly."""

from __future__ import annotations

from datetime import timedelta

from tiny_instances import MONDAY, assert_valid, local, make_agent, make_problem

from scheduler.solve import solve


def nights(d: int, m: int) -> int:
    """Demand 22:00-06:00 each night that starts in the period (none on the first morning)."""
    return int(m >= 22 * 60 or (m < 6 * 60 and d > 0))


def test_night_shifts_cross_midnight_and_cover_the_night():
    agent = make_agent(earliest_start_minute=22 * 60, latest_start_minute=22 * 60,
                       lengths_minutes=(480,), meal_break_over_minutes=480)
    problem = make_problem((agent,), days=3, need={"q1": nights},
                           open_hours={"q1": lambda d, m: 1})
    result = solve(problem, time_limit_seconds=10)
    assert_valid(problem, result)
    # the last night's shift would end after the period, so two nights are rostered
    assert [s.day for s in result.roster.shifts] == [MONDAY, MONDAY + timedelta(days=1)]
    first = result.roster.shifts[0]
    assert first.start == local(MONDAY, 22)
    assert first.end == local(MONDAY + timedelta(days=1), 6)
    assert result.penalties["understaffing"] == 2 * 100  # the third night: 22-24 only
    assert result.billable_hours == {"acme": 16.0}
