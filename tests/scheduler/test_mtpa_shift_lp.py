"""The MTPA Anonymous Bank shift LP: Vuoro finds the minimum cost 6336 (a known optimum)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler.costs import roster_cost
from scheduler.domain import Roster, Shift
from scheduler.lower_bound import lp_bound
from scheduler.mtpa import SHIFT_COSTS, load_mtpa, read_templates
from scheduler.serialize import problem_from_json, problem_to_json
from scheduler.solve import solve
from scheduler.validate import validate

DATA = Path(__file__).resolve().parents[2] / "../shared/data"
SHIFTS = DATA / "scheduling/mtpa_anonymous_bank_shift_lp"
STAFFING = DATA / "staffing/mtpa_anonymous_bank_feb1999_wednesday_staffing.csv"


@pytest.fixture(scope="module")
def problem():
    """The instance, or a skip with the reason when the shared data is not there."""
    if not (SHIFTS / "shifts_coverage.csv").exists() or not STAFFING.exists():
        print(f"skipping the MTPA shift LP: {SHIFTS} or {STAFFING} not found")
        pytest.skip("shared MTPA data not found")
    return load_mtpa(SHIFTS, STAFFING)


def test_every_template_costs_what_the_book_says(problem):
    grid = problem.grid
    templates = read_templates(SHIFTS / "shifts_coverage.csv")
    agent = problem.agents[0]
    for (start, hours), cost in zip(templates, SHIFT_COSTS, strict=True):
        shift = Shift(agent.key, grid.start_day, grid.interval_start(start),
                      grid.interval_start(start + hours))
        assert roster_cost(problem, Roster((shift,))) == cost


def test_solver_finds_the_minimum_cost_6336_and_proves_it(problem):
    result = solve(problem, time_limit_seconds=30)
    assert validate(problem, result.roster) == []
    assert result.penalties["understaffing"] == 0  # every hour covered
    assert result.penalties["shift_cost"] == 6336
    assert roster_cost(problem, result.roster) == 6336
    assert len(result.roster.shifts) == 28
    # the LP bound proves it: no roster covering the day costs less
    assert lp_bound(problem).value == 6336
    assert result.status == "OPTIMAL" and result.best_bound == 6336


def test_pay_rates_survive_the_problem_json(problem):
    again = problem_from_json(json.loads(json.dumps(problem_to_json(problem))))
    assert again.agents[0].contract.pay == problem.agents[0].contract.pay
    assert [a.contract for a in again.agents] == [a.contract for a in problem.agents]
