"""The week pricer finds the cheapest pattern the validator accepts (brute force on small weeks)."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
from tiny_instances import make_agent, make_problem

from scheduler.aggregate import group_agents
from scheduler.domain import Break, Roster, Shift
from scheduler.validate import validate
from scheduler.week_patterns import WeekPricer


def _roster(problem, agent, by_day, pattern):
    """One agent's shifts for a pattern of (day, candidate, break start)."""
    grid = problem.grid
    at = grid.interval_start
    shifts = []
    for d, i, s in pattern:
        c = by_day[d][i]
        breaks = (Break(at(s), at(s + c.break_intervals)),) if s is not None else ()
        shifts.append(Shift(agent.key, grid.day_list[d], at(c.start), at(c.end), breaks, ()))
    return Roster(tuple(shifts))


def _brute_force(problem, agent, pricer, cost):
    """The cheapest pattern by enumeration over a few candidates per day, and its cost."""
    options = {d: [None] + pricer.day_options(d, cost, np.zeros_like(cost))
               for d in range(problem.grid.days)}
    best = math.inf
    for combo in itertools.product(*options.values()):
        chosen = [(d, o) for d, o in zip(options, combo, strict=True) if o is not None]
        pattern = tuple((d, i, s) for d, (_, i, s) in chosen)
        rules = [v for v in validate(problem, _roster(problem, agent, pricer.candidates, pattern))
                 if v.rule in ("daily_rest", "weekly_rest", "weekly_paid_minutes",
                               "max_consecutive_days")]
        if not rules:
            best = min(best, sum(v for _, (v, _, _) in chosen))
    return best


def _small_week(seed: int):
    """Seven days, a few candidates a day (early or late), rest and hours that bite."""
    rng = random.Random(seed)
    agent = make_agent(
        min_week=rng.choice((0, 4 * 240, 3 * 420)), max_week=rng.choice((5 * 420, 6 * 480)),
        earliest_start_minute=6 * 60, latest_start_minute=22 * 60, start_step_minutes=8 * 60,
        lengths_minutes=(240, 480), meal_break_minutes=60,
        contract={"min_daily_rest_minutes": rng.choice((660, 720)),
                  "min_weekly_rest_minutes": rng.choice((0, 35 * 60, 40 * 60)),
                  "max_consecutive_days": rng.choice((3, 4, 6))})
    return make_problem((agent,), days=7), agent


def test_the_pricer_matches_brute_force_under_the_validator():
    for seed in range(3):
        problem, agent = _small_week(seed)
        rng = np.random.default_rng(seed)
        # two candidates a day keep the enumeration small (3 ** 7 weeks)
        few = {d: tuple(cs[k] for k in sorted(rng.choice(len(cs), 2, replace=False)))
               for d, cs in group_agents(problem)[0].candidates.items()}
        pricer = WeekPricer(problem, agent, few)
        cost = rng.normal(0.0, 3.0, problem.grid.n_intervals)
        value, pattern = pricer.best(cost)
        expected = _brute_force(problem, agent, pricer, cost)
        assert math.isclose(value, expected, abs_tol=1e-6), seed
        # and the pattern it returns is the one it priced, and valid
        roster = _roster(problem, agent, few, pattern)
        assert not [v for v in validate(problem, roster) if v.rule != "meal_break"]
        options = {d: pricer.day_options(d, cost, np.zeros_like(cost)) for d in range(7)}
        assert math.isclose(sum(options[d][i][0] for d, i, _ in pattern), value, abs_tol=1e-6)
