"""Local search over day patterns: never worse than its start, and no agent gains alone."""

from __future__ import annotations

import time

from tiny_instances import EARLY, LATE, day_agent, day_problem, day_rule

from scheduler.candidates import all_candidates
from scheduler.columns import Master
from scheduler.improve import improve
from scheduler.patterns import DayPatterns

RULE = day_rule(EARLY, LATE)


def setting():
    """Four agents over a week with uneven demand, their pricers and the cover rows."""
    agents = tuple(day_agent(k, rule=RULE, min_consecutive_days=2, min_consecutive_days_off=2,
                             max_minutes_per_period=4 * 480) for k in ("a1", "a2", "a3", "a4"))
    demand = {(d, t): (d * 3 + len(t)) % 3 for d in range(7) for t in "EL"}
    problem = day_problem(agents, demand)
    candidates = all_candidates(problem)
    pricers = [DayPatterns(problem, a, candidates[a.key]) for a in agents]
    return problem, pricers, Master(problem, pricers)


def objective(pricers, master, patterns) -> int:
    """Own penalties plus day cover of one pattern per agent, counted from scratch."""
    count = [0] * len(master.demand)
    for pricer, pattern in zip(pricers, patterns, strict=True):
        for key in pricer.covers(pattern):
            if key in master.rows:
                count[master.rows[key]] += 1
    return sum(p.cost(x) for p, x in zip(pricers, patterns, strict=True)) + sum(
        u * max(0, q - c) + o * max(0, c - q)
        for c, (q, u, o) in zip(count, master.demand, strict=True))


def test_local_search_improves_a_poor_start_to_a_local_optimum():
    _, pricers, master = setting()
    start = [p.best({})[1] for p in pricers]  # everyone's favourite week, blind to the cover
    found = improve(pricers, master.rows, master.demand, start,
                    deadline=time.monotonic() + 2, patience=20)
    assert found.value == objective(pricers, master, found.patterns)
    assert found.value < objective(pricers, master, start)
    for e, pricer in enumerate(pricers):  # no agent's exact best response does better
        others = [0] * len(master.demand)
        for f, pattern in enumerate(found.patterns):
            for key in pricers[f].covers(pattern) if f != e else ():
                others[master.rows[key]] += 1
        prices = {key: float(u if others[r] < q else -o)
                  for key, r in master.rows.items() for q, u, o in [master.demand[r]]}
        _, reply = pricer.best(prices)
        alone = list(found.patterns)
        alone[e] = reply
        assert objective(pricers, master, alone) >= found.value


def test_every_pattern_found_keeps_its_agents_rules():
    _, pricers, master = setting()
    start = [p.best({})[1] for p in pricers]
    found = improve(pricers, master.rows, master.demand, start,
                    deadline=time.monotonic() + 2, patience=20, seed=3)
    for pricer, pattern in zip(pricers, found.patterns, strict=True):
        assert pricer.best({}, required=frozenset(
            (d, None if i is None else pricer.candidates[d][i].shift_type)
            for d, i in enumerate(pattern)))[1] is not None
