"""The solver-independent validator: a valid hand-built roster passes, each breakage is named."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from tiny_instances import MONDAY, hours, local, make_agent, make_problem

from scheduler.coverage import coverage
from scheduler.domain import Activity, Break, Roster, Shift
from scheduler.validate import validate

TUESDAY = MONDAY + timedelta(days=1)


def problem(**agent_changes):
    """Two days, one agent certified for q1 and q2; q2 closes at 14:00."""
    agent = make_agent(skills=("q1", "q2"), **agent_changes)
    return make_problem((agent,), days=2, queues=("q1", "q2", "q3"),
                        open_hours={"q1": hours(8, 20), "q2": hours(8, 14), "q3": hours(8, 20)})


def good_shift(day=MONDAY, start_hour=8) -> Shift:
    """08-16 with a meal break 11-12: q2 08-11, q1 12-16."""
    at = lambda h: local(day, start_hour + h - 8)  # noqa: E731
    return Shift(
        agent="a1", day=day, start=at(8), end=at(16),
        breaks=(Break(at(11), at(12)),),
        activities=(Activity("q2", at(8), at(11)), Activity("q1", at(12), at(16))),
    )


def rules(problem_, *shifts) -> list[str]:
    """Names of the rules the roster breaks."""
    return sorted({v.rule for v in validate(problem_, Roster(tuple(shifts)))})


def test_valid_hand_built_roster_has_no_violations():
    roster = Roster((good_shift(), good_shift(TUESDAY)))
    assert validate(problem(), roster) == []
    assert coverage(problem(), roster)["q1"][12:16] == (1, 1, 1, 1)
    assert coverage(problem(), roster)["q2"][8:12] == (1, 1, 1, 0)


def at(h, m=0):
    """Monday local time."""
    return local(MONDAY, h, m)


@pytest.mark.parametrize(
    ("broken", "rule"),
    [
        (replace(good_shift(), agent="zz"), "unknown_agent"),
        (replace(good_shift(), start=at(8, 30)), "on_grid"),
        (replace(good_shift(), activities=(Activity("q1", at(8), at(11)),
                                           Activity("q3", at(12), at(16)))), "skill"),
        (replace(good_shift(), activities=(Activity("q1", at(8), at(11)),
                                           Activity("q2", at(12), at(16)))), "queue_open"),
        (replace(good_shift(), activities=(Activity("q1", at(8), at(11)),
                                           Activity("q1", at(12), at(17)))),
         "activity_outside_shift"),
        (replace(good_shift(), activities=(Activity("q1", at(8), at(12)),
                                           Activity("q1", at(12), at(16)))),
         "activity_during_break"),
        (replace(good_shift(), activities=(Activity("q1", at(8), at(11)),
                                           Activity("q2", at(10), at(11)),
                                           Activity("q1", at(12), at(16)))), "activity_overlap"),
        (replace(good_shift(), breaks=()), "meal_break"),
        (replace(good_shift(), breaks=(Break(at(9), at(10)),)), "meal_break"),
        (replace(good_shift(), breaks=(Break(at(15), at(17)),)), "break_outside_shift"),
        (good_shift(start_hour=7), "shift_start"),
        (replace(good_shift(), end=at(17), activities=(Activity("q1", at(8), at(11)),
                                                       Activity("q1", at(12), at(17)))),
         "shift_length"),
    ],
)
def test_each_broken_shift_names_its_rule(broken, rule):
    assert rule in rules(problem(), broken)


def test_working_on_time_off():
    assert rules(problem(time_off=(MONDAY,)), good_shift()) == ["time_off"]


def test_two_shifts_a_day_and_overlap():
    later = replace(good_shift(start_hour=9), day=MONDAY)
    assert {"one_shift_per_day", "shift_overlap"} <= set(rules(problem(), good_shift(), later))


def test_short_rest_between_days():
    late = make_agent(skills=("q1",), latest_start_minute=20 * 60, lengths_minutes=(240,))
    p = make_problem((late,), days=2, open_hours={"q1": hours(8, 24)})
    evening = Shift("a1", MONDAY, at(20), local(TUESDAY, 0),
                    activities=(Activity("q1", at(20), local(TUESDAY, 0)),))
    morning = Shift("a1", TUESDAY, local(TUESDAY, 8), local(TUESDAY, 12),
                    activities=(Activity("q1", local(TUESDAY, 8), local(TUESDAY, 12)),))
    assert rules(p, evening, morning) == ["daily_rest"]
    later = Shift("a1", TUESDAY, local(TUESDAY, 11), local(TUESDAY, 15),
                  activities=(Activity("q1", local(TUESDAY, 11), local(TUESDAY, 15)),))
    assert rules(p, evening, later) == []


def test_weekly_minimum_and_maximum():
    # two planned days: bounds scale by 2/7
    assert rules(problem(min_week=7 * 480), good_shift()) == ["weekly_paid_minutes"]
    assert rules(problem(max_week=7 * 400), good_shift(), good_shift(TUESDAY)) == [
        "weekly_paid_minutes"
    ]
    assert rules(problem(min_week=7 * 420, max_week=7 * 420), good_shift(),
                 good_shift(TUESDAY)) == []


def test_daily_paid_maximum():
    assert rules(problem(contract={"max_minutes_per_day": 400}), good_shift()) == [
        "daily_paid_minutes"
    ]


def test_violation_message_is_plain_words():
    (violation,) = validate(problem(time_off=(MONDAY,)), Roster((good_shift(),)))
    assert violation.agent == "a1" and violation.day == MONDAY
    assert "day off" in violation.message


def test_back_office_time_inside_a_shift_is_allowed():
    """A working interval on no queue is back-office work, not a broken rule."""
    gap = replace(good_shift(), activities=(Activity("q1", at(8), at(11)),
                                            Activity("q1", at(13), at(16))))
    assert rules(problem(), gap) == []
