"""The validator catches each broken day-level rule in hand-made rosters, and the objective
recomputed from a roster counts requests and day cover exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from tiny_instances import EARLY, LATE, MONDAY, day_agent, day_problem, day_rule, local

from scheduler.domain import Roster, Shift, ShiftRequest
from scheduler.objective import soft_penalties
from scheduler.validate import validate

HOURS = {"E": (6, 14), "L": (14, 22)}


def shifts(*days_types, agent="a1"):
    """Shifts of one agent on (day index, type) pairs, at the type's hours."""
    found = []
    for d, t in days_types:
        day = MONDAY + timedelta(days=d)
        first, last = HOURS[t]
        found.append(Shift(agent, day, local(day, first), local(day, last), shift_type=t))
    return Roster(tuple(found))


def rules_broken(problem, roster):
    """Names of the rules the validator reports."""
    return {v.rule for v in validate(problem, roster)}


@pytest.mark.parametrize(("contract", "roster", "rule"), [
    ({"max_shifts_per_type": {"E": 1}}, ((0, "E"), (1, "E")), "max_shifts_per_type"),
    ({"min_minutes_per_period": 3 * 480}, ((0, "E"), (1, "E")), "period_paid_minutes"),
    ({"max_minutes_per_period": 480}, ((0, "E"), (1, "E")), "period_paid_minutes"),
    ({"min_consecutive_days": 2}, ((2, "E"),), "min_consecutive_days"),
    ({"min_consecutive_days_off": 2}, ((0, "E"), (2, "E")), "min_consecutive_days_off"),
    ({"max_consecutive_days": 2}, ((0, "E"), (1, "E"), (2, "E")), "max_consecutive_days"),
    ({"max_weekends": 0}, ((6, "E"),), "max_weekends"),
])
def test_each_broken_rule_is_reported(contract, roster, rule):
    problem = day_problem((day_agent(**contract),))
    assert rule in rules_broken(problem, shifts(*roster))
    assert rules_broken(problem, Roster(())) - {"period_paid_minutes"} == set()


def test_runs_at_the_period_edges_are_free():
    problem = day_problem((day_agent(min_consecutive_days=3, min_consecutive_days_off=3),))
    assert validate(problem, shifts((0, "E"), (6, "E"))) == []
    assert "min_consecutive_days" in rules_broken(problem, shifts((0, "E"), (4, "E"), (6, "E")))


def test_forbidden_succession_and_wrong_type_are_reported():
    rule = day_rule(EARLY, replace(LATE, not_followed_by=("E",)))
    problem = day_problem((day_agent(rule=rule),))
    assert rules_broken(problem, shifts((0, "L"), (1, "E"))) == {"forbidden_succession"}
    assert validate(problem, shifts((0, "E"), (1, "L"))) == []
    day = MONDAY
    mislabelled = Roster((Shift("a1", day, local(day, 6), local(day, 14), shift_type="L"),))
    assert rules_broken(problem, mislabelled) == {"shift_type"}
    untyped = Roster((Shift("a1", day, local(day, 6), local(day, 14)),))
    assert rules_broken(problem, untyped) == {"shift_type"}


def test_recomputed_objective_counts_requests_and_cover():
    requests = (ShiftRequest(MONDAY, True, 3, "L"),  # broken: works early
                ShiftRequest(MONDAY + timedelta(days=1), False, 2),  # broken: works
                ShiftRequest(MONDAY + timedelta(days=2), False, 7, "L"),  # kept: works early
                ShiftRequest(MONDAY + timedelta(days=3), True, 4))  # broken: off
    problem = day_problem((day_agent(requests=requests),),
                          {(0, "E"): 2, (1, "E"): 1, (2, "L"): 1}, under=50, over=3)
    roster = shifts((0, "E"), (1, "E"), (2, "E"))
    assert soft_penalties(problem, roster) == {
        "understaffing": 0, "overstaffing": 0, "off_queue": 0,
        "shift_requests": 3 + 2 + 4,
        "day_understaffing": 50 * (1 + 1),  # Monday early one short, Wednesday late short
        "day_overstaffing": 3 * 1,  # Wednesday early nobody asked for
    }
