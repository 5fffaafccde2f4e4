"""The exact pattern pricing agrees with CP-SAT on the same rules, and branch-and-price bounds."""

from __future__ import annotations

import math
import random
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from dp_reference import cp_sat_best, random_prices
from tiny_instances import EARLY, LATE, MONDAY, day_agent, day_problem, day_rule, local

from scheduler import columns
from scheduler.candidates import all_candidates
from scheduler.columns import Search, branch_and_price, decomposable
from scheduler.domain import Fairness, Shift, ShiftRequest
from scheduler.patterns import DayPatterns
from scheduler.solve import solve

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


def test_limits_per_type_added_lazily_keep_the_pricing_exact():
    # L pays most, so the relaxation without the limit's axis works more than two L shifts
    problem = agent_problem(dict(max_shifts_per_type={"L": 2}, max_consecutive_days=6))
    agent = problem.agents[0]
    candidates = all_candidates(problem)[agent.key]
    lazy = DayPatterns(problem, agent, candidates)
    modelled = DayPatterns(problem, agent, candidates, modelled=frozenset({"L"}))
    relaxed = DayPatterns(problem, agent, candidates, modelled=frozenset())
    prices = {(d, t): (9.0 if t == "L" else 3.0) for d in range(14) for t in "EL"}
    loose_value, loose = relaxed.best(prices)
    assert lazy.over_limits(loose) == {"L"}
    value, pattern = lazy.best(prices)
    assert not lazy.over_limits(pattern)
    assert math.isclose(value, modelled.best(prices)[0], abs_tol=1e-9)
    assert value > loose_value
    assert set(lazy.relaxed) == {frozenset(), frozenset({"L"})}  # relaxed first, then L
    for seed in range(3):
        other = random_prices(problem, seed)
        assert math.isclose(lazy.best(other)[0], modelled.best(other)[0], abs_tol=1e-9)


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


def gapped_problem(with_queue=False):
    """Six agents over two weeks, requests and cover drawn from a fixed seed, whose root
    bound (22.5) lies 2.5 below the optimum: only branching closes the gap. No fairness
    terms, so CP-SAT's objective (with an idle queue) is the same sum."""
    rng = random.Random(32)
    agents = tuple(day_agent(
        f"a{k}", rule=RULE, min_consecutive_days=2, min_consecutive_days_off=2,
        max_minutes_per_period=rng.choice([3, 4, 5]) * 480, max_consecutive_days=3,
        requests=tuple(ShiftRequest(MONDAY + timedelta(days=rng.randrange(14)),
                                    rng.random() < 0.5, rng.randint(1, 4),
                                    rng.choice(["E", "L", None])) for _ in range(6)))
        for k in range(6))
    demand = {(d, t): rng.randint(0, 2) for d in range(14) for t in "EL"}
    problem = day_problem(agents, demand, days=14, with_queue=with_queue,
                          under=rng.choice([3, 5, 10]), over=rng.choice([1, 2]))
    return replace(problem, fairness=Fairness(0, 0, 0))


@pytest.mark.parametrize("plunge", [True, False], ids=["plunging", "best-first"])
def test_the_tree_alone_finds_and_proves_the_optimum_cp_sat_proves(plunge, monkeypatch):
    monkeypatch.setattr(columns, "PLUNGE", plunge)
    monkeypatch.setattr(columns, "PLUNGE_AFTER", 0)  # plunge from the root on
    problem = gapped_problem()
    search = Search(problem, all_candidates(problem), time.monotonic() + 20)
    # no dive, local search or master MIP: every roster must come from the tree
    monkeypatch.setattr(search, "dive", lambda values: None)
    monkeypatch.setattr(search, "polish", lambda: None)
    monkeypatch.setattr(search, "select", lambda: None)
    values = search.root()
    assert values is not None and search.best is None
    root_bound = search.bound
    search.tree(values)
    reference = solve(gapped_problem(with_queue=True), time_limit_seconds=10)
    assert reference.status == "OPTIMAL"
    assert math.ceil(root_bound) < reference.objective  # the root alone proves nothing
    assert search.incumbent == reference.objective
    assert search.bound >= search.incumbent and not search.timed_out  # proven
    assert (search.plunged > 0) == plunge
