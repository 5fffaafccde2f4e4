"""The Curtois & Qu instance reader: every section of the format, bad input, the real files."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from scheduler.candidates import all_candidates
from scheduler.curtois_qu import FIRST_MONDAY, InstanceError, parse_instance, read_instance
from scheduler.objective import soft_penalties
from scheduler.patterns import DayPatterns
from scheduler.solve import solve
from scheduler.validate import validate

DATA = Path("../shared/data/scheduling/curtois_qu")
TINY = "\r\n".join([
    "# a comment", "SECTION_HORIZON", "# days", "14", "",
    "SECTION_SHIFTS", "# ID, length, cannot follow", "E,480,", "L,600,E", "",
    "SECTION_STAFF",
    "A,E=14|L=3,4320,960,5,2,2,1",
    "B,E=0|L=14,2160,0,4,1,1,2",
    "C,E=14|L=3,4320,960,5,2,2,1", "",
    "SECTION_DAYS_OFF", "A,0,7", "B,3", "",
    "SECTION_SHIFT_ON_REQUESTS", "A,2,E,2", "",
    "SECTION_SHIFT_OFF_REQUESTS", "B,5,L,3", "",
    "SECTION_COVER", "0,E,2,100,1", "0,L,1,50,2", "",
])


def test_every_section_maps_onto_vuoro_rules():
    problem = parse_instance(TINY)
    assert problem.grid.days == 14 and problem.grid.start_day == FIRST_MONDAY
    assert problem.grid.start_day.weekday() == 0 and problem.grid.timezone == "UTC"
    assert problem.grid.interval_minutes == 60  # 480 and 600 fit whole hours
    a, b, c = problem.agents
    rule = a.shift_rule
    assert [(t.key, t.lengths_minutes, t.not_followed_by) for t in rule.shift_types] == [
        ("E", (480,), ()), ("L", (600,), ("E",))]
    assert a.contract is c.contract  # identical staff lines share one contract
    assert a.contract.max_shifts_per_type == (("E", 14), ("L", 3))
    assert (a.contract.max_minutes_per_period, a.contract.min_minutes_per_period) == (4320, 960)
    assert (a.contract.max_consecutive_days, a.contract.min_consecutive_days,
            a.contract.min_consecutive_days_off, a.contract.max_weekends) == (5, 2, 2, 1)
    assert b.contract.max_weekends == 2 and b.contract.min_consecutive_days == 1
    # the rest rules the benchmark does not have are off
    assert a.contract.min_daily_rest_minutes == 0 and a.contract.min_weekly_rest_minutes == 0
    assert not rule.needs_meal_break(600)
    assert sorted((d - FIRST_MONDAY).days for d in a.time_off) == [0, 7]
    assert [(r.day, r.wanted, r.weight, r.shift_type) for r in a.shift_requests] == [
        (problem.grid.day_list[2], True, 2, "E")]
    assert [(r.wanted, r.weight, r.shift_type) for r in b.shift_requests] == [(False, 3, "L")]
    assert [(d.shift_type, d.requirement, d.under_weight, d.over_weight)
            for d in problem.day_demand] == [("E", 2, 100, 1), ("L", 1, 50, 2)]
    # B may not work early shifts at all: no candidates of that type
    assert {c.shift_type for cs in all_candidates(problem)["B"].values() for c in cs} == {"L"}


@pytest.mark.parametrize(("change", "message"), [
    (("14", "x"), "line 4: the horizon must be an integer"),
    (("SECTION_COVER", "SECTION_COVERS"), "unknown section SECTION_COVERS"),
    (("# a comment", "7"), "line 1: data before the first SECTION_ header"),
    (("L,600,E", "L,600,N"), "shift L names unknown shifts N"),
    (("L,600,E", "L,-5,E"), "shift L's length must be an integer >= 1"),
    (("A,E=14|L=3,", "A,E=14|N=3,"), "MaxShifts entry 'N=3'"),
    (("B,E=0|L=14,2160,0,4,1,1,2", "B,E=0|L=14,2160,0,4,1,1"), "a staff line has 8 fields"),
    (("B,E=0|L=14,2160,0", "B,E=0|L=14,100,200"), "MinTotalMinutes 200 is above"),
    (("B,3", "Z,3"), "unknown staff ID 'Z'"),
    (("B,3", "B,14"), "day 14 is outside the horizon of 14 days"),
    (("A,2,E,2", "A,2,N,2"), "unknown shift ID 'N'"),
    (("B,5,L,3", "B,5,L"), "a request line has 4 fields"),
    (("0,L,1,50,2", "0,E,1,50,2"), "cover for day 0 shift E is given twice"),
    (("SECTION_STAFF\r\n", "SECTION_STAFFING\r\n"), "unknown section"),
])
def test_bad_input_names_the_line_and_the_problem(change, message):
    old, new = change
    assert old in TINY
    with pytest.raises(InstanceError, match=message.replace("|", r"\|")):
        parse_instance(TINY.replace(old, new, 1))


def test_missing_sections_and_files_are_clear_errors(tmp_path):
    with pytest.raises(InstanceError, match="missing section SECTION_STAFF"):
        parse_instance(TINY.split("SECTION_STAFF")[0])
    with pytest.raises(InstanceError, match="Nowhere.txt"):
        read_instance(tmp_path / "Nowhere.txt")
    bad = tmp_path / "Broken.txt"
    bad.write_text(TINY.replace("0,E,2,100,1", "0,E,two,100,1"))
    with pytest.raises(InstanceError, match=r"Broken.txt: line \d+: a requirement"):
        read_instance(bad)


@pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not next to the repository")
def test_all_twelve_instances_read():
    sizes = {}
    for n in range(1, 13):
        problem = read_instance(DATA / f"Instance{n}.txt")
        types = {t.key for t in problem.agents[0].shift_rule.shift_types}
        sizes[n] = (len(problem.agents), problem.grid.days, len(types))
    assert sizes[1] == (8, 14, 1) and sizes[4] == (10, 28, 2) and sizes[12] == (60, 28, 10)


@pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not next to the repository")
def test_instance1_as_shipped_is_infeasible_and_says_why():
    # staff C may work at most 3 D shifts (1440 min) but needs at least 3360 min
    result = solve(read_instance(DATA / "Instance1.txt"), time_limit_seconds=10)
    assert result.status == "INFEASIBLE"
    assert "C (C)" in result.message and "shifts per type" in result.message
    # the contract's own figures, so the coordinator sees which numbers clash
    assert "at most 3 D shifts" in result.message
    assert "3360-4320 paid minutes over the period" in result.message


@pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not next to the repository")
def test_instance2_proven_optimal_and_recomputed():
    problem = read_instance(DATA / "Instance2.txt")
    began = time.monotonic()
    result = solve(problem, time_limit_seconds=30)
    assert result.status == "OPTIMAL" and result.objective == 828  # the published optimum
    assert time.monotonic() - began < 30
    assert validate(problem, result.roster) == []
    assert sum(soft_penalties(problem, result.roster).values()) == 828
    assert soft_penalties(problem, result.roster) == dict(result.penalties)


@pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not next to the repository")
def test_pattern_pricing_matches_the_cp_sat_rules_on_a_real_instance():
    # the exact DP must allow exactly what the CP-SAT rules allow: compare minima
    from dp_reference import cp_sat_best, random_prices

    problem = read_instance(DATA / "Instance8.txt")
    candidates = all_candidates(problem)
    for agent in problem.agents[:4]:
        pricer = DayPatterns(problem, agent, candidates[agent.key])
        prices = random_prices(problem, seed=hash(agent.key) % 1000)
        value, pattern = pricer.best(prices)
        reference = cp_sat_best(problem, agent, prices)
        assert math.isclose(value, reference, abs_tol=1e-3)
        assert math.isclose(pricer.cost(pattern) - sum(prices.get(k, 0.0)
                                                       for k in pricer.covers(pattern)),
                            value, abs_tol=1e-6)
