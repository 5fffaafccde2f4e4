"""The exact pattern pricing agrees with CP-SAT on the same rules, and branch-and-price bounds."""

from __future__ import annotations

import math
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from dp_reference import cp_sat_best, random_prices
from tiny_instances import EARLY, LATE, MONDAY, day_agent, day_problem, day_rule, local

from scheduler.candidates import all_candidates
from scheduler.columns import branch_and_price, decomposable
from scheduler.domain import Shift, ShiftRequest
from scheduler.patterns import DayPatterns

RULE = day_rule(EARLY, replace(LATE, not_followed_by=("E",)))
REQUESTS = (ShiftRequest(MONDAY + timedelta(days=1), True, 4, "L"),
            ShiftRequest(MONDAY + timedelta(days=5), False, 6),
            ShiftRequest(MONDAY + timedelta(days=9), True, 2))
CONTRACTS = [
    dict(min_consecutive_days=2, min_consecutive_days_off=2, max_consecutive_days=4),
    dict(min_minutes_per_period=6 * 480, max_minutes_per_period=8 * 480, max_weekends=1),
    dict(max_shifts_per_type={"L": 2}, min_consecutive_days=3, max_weekends=0),
    dict(min_consecutive_days_off=3, max_consecutive_days=2, min_minutes_per_period=4 * 480),
]


def agent_problem(contract, published=None):
    """A two-week problem of one agent with demand on every day and type."""
    agent = day_agent(rule=RULE, requests=REQUESTS, time_off=(MONDAY + timedelta(days=3),),
                      **contract)
    return day_problem((agent,), {(d, t): 1 for d in range(14) for t in "EL"}, days=14,
                       fixed_before=published)


@pytest.mark.parametrize("contract", CONTRACTS)
@pytest.mark.parametrize("history", ["none", "working", "resting"])
def test_pricing_equals_cp_sat(contract, history):
    eve, before = MONDAY - timedelta(days=1), MONDAY - timedelta(days=3)
    published = {
        "none": None,
        "working": {"a1": tuple(Shift("a1", eve - timedelta(days=k), local(eve, 14)
                                      - timedelta(days=k), local(eve, 22) - timedelta(days=k),
                                      shift_type="L") for k in range(2))},
        "resting": {"a1": (Shift("a1", before, local(before, 6), local(before, 14),
                                 shift_type="E"),)},
    }[history]
    problem = agent_problem(contract, published)
    agent = problem.agents[0]
    pricer = DayPatterns(problem, agent, all_candidates(problem)[agent.key])
    assert DayPatterns.applies(problem, agent, all_candidates(problem)[agent.key])
    for seed in range(3):
        prices = random_prices(problem, seed)
        value, pattern = pricer.best(prices)
        reference = cp_sat_best(problem, agent, prices)
        if reference is None:
            assert pattern is None
            continue
        assert math.isclose(value, reference, abs_tol=1e-6)
        # branching decisions: forbid what the best pattern works first, require a day off
        first = pricer.covers(pattern)[:1]
        value, pattern = pricer.best(prices, forbidden=frozenset(first),
                                     required=frozenset({(6, None)}))
        reference = cp_sat_best(problem, agent, prices, forbidden=first,
                                required=())
        if pattern is not None:
            assert pattern[6] is None and not set(first) & set(pricer.covers(pattern))
            assert value >= reference - 1e-6


@pytest.mark.parametrize("contract", CONTRACTS[:2])
def test_several_patterns_are_distinct_valid_and_best_first(contract):
    problem = agent_problem(contract)
    agent = problem.agents[0]
    pricer = DayPatterns(problem, agent, all_candidates(problem)[agent.key])
    prices = random_prices(problem, 1)
    found = pricer.several(prices, count=4)
    assert len(found) == 4 and len({p for _, p in found}) == 4
    assert [v for v, _ in found] == sorted(v for v, _ in found)
    assert math.isclose(found[0][0], pricer.best(prices)[0], abs_tol=1e-9)
    for value, pattern in found:
        works = set(pricer.covers(pattern))
        assert math.isclose(value, pricer.cost(pattern)
                            - sum(prices.get(k, 0.0) for k in works), abs_tol=1e-6)
        # the pattern keeps every rule: CP-SAT finds a roster working exactly it
        others = [(d, t) for d in range(14) for t in "EL" if (d, t) not in works]
        assert cp_sat_best(problem, agent, prices, forbidden=others,
                           required=sorted(works)) is not None


def test_rules_the_recursion_does_not_know_send_the_problem_to_cp_sat():
    problem = agent_problem(CONTRACTS[0])
    assert decomposable(problem, all_candidates(problem))
    rested = replace(problem, agents=(replace(problem.agents[0], contract=replace(
        problem.agents[0].contract, min_weekly_rest_minutes=35 * 60)),))
    assert not decomposable(rested, all_candidates(rested))


def test_branch_and_price_proves_a_bound_it_reaches():
    agents = tuple(day_agent(k, rule=RULE, min_consecutive_days=2, min_consecutive_days_off=2,
                             max_minutes_per_period=5 * 480) for k in ("a1", "a2", "a3"))
    demand = {(d, t): 1 + (d + len(t)) % 2 for d in range(7) for t in "EL"}
    problem = day_problem(agents, demand)
    result = branch_and_price(problem, all_candidates(problem),
                              deadline=time.monotonic() + 20)
    assert result.proven and result.lower_bound == result.objective
    assert result.roster is not None
