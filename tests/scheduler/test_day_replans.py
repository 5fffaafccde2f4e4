"""The planner's round of client-day MIPs: it only ever lowers the objective, keeps the
roster valid, and takes the moves no agent-by-agent search finds."""

from __future__ import annotations

import threading
import time

from test_day_mip import _swap_needed

import scheduler.plan as plan
from scheduler.aggregate import solve_aggregate
from scheduler.bench import synthetic_problem
from scheduler.objective import soft_penalties as evaluate
from scheduler.plan import plan_roster
from scheduler.validate import validate


def test_the_round_replans_the_day_that_loses_and_the_roster_stays_valid():
    problem, state = _swap_needed()
    assert state.objective() > 0
    assert plan._loss_against_plan(state).sum() > 0  # no LP plan: the raw loss
    reported = []
    plan._day_replans(state, time.monotonic() + 20, reported.append, threading.Event())
    assert state.objective() == 0
    assert reported  # the gain was reported as it came
    assert validate(problem, plan._roster(state)) == []


def test_a_stopped_round_changes_nothing():
    problem, state = _swap_needed()
    before = state.objective()
    stopped = threading.Event()
    stopped.set()
    plan._day_replans(state, time.monotonic() + 20, lambda s: None, stopped)
    assert state.objective() == before


def test_the_planner_with_day_replans_on_keeps_every_gain_and_a_valid_roster(monkeypatch):
    problem = synthetic_problem(seed=2, n_agents=40)
    calls = []
    real = plan.replan_day

    def recorded(state, d, seconds, free=None):
        before = state.objective()
        gain = real(state, d, seconds, free)
        calls.append((before, gain, state.objective()))
        return gain

    monkeypatch.setattr(plan, "replan_day", recorded)
    chains = plan.chain_responses

    def brief_chains(state, agents, deadline, *rest):
        # at most 2 s of hand-over descent before the day MIPs, so that on a loaded machine
        # (the whole suite on two workers) it does not use up the time they are to get
        return chains(state, agents, min(deadline, time.monotonic() + 2.0), *rest)

    monkeypatch.setattr(plan, "chain_responses", brief_chains)
    monkeypatch.setattr(plan, "DAY_REPLAN_MIN_AGENTS", 1)  # S-sized: on, as for M
    monkeypatch.setattr(plan, "PARALLEL_MIN_AGENTS", 10**6)  # in this process, to see it
    # the LP plan solved beforehand, as the planner's own would be: on a loaded machine it
    # took 8 of the 12 s, and the search then never reached the day MIPs
    lp = solve_aggregate(problem, patterns=False, exact=False, time_limit_seconds=30)
    roster, parts = plan_roster(problem, time_limit_seconds=10, seed=1, plan=lp.plan)
    assert calls, "the day MIPs never ran"
    for before, gain, after in calls:
        assert gain >= 0 and after <= before + 1e-9
        assert abs((before - after) - gain) < 1e-6  # a reported gain is a real one
    assert validate(problem, roster) == []
    assert parts == evaluate(problem, roster)
