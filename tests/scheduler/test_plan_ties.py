"""Among moves of equal cost, the planned roster follows the LP plan's coverage
(scheduler.plan_state's tie-break)."""

from __future__ import annotations

import numpy as np
from tiny_instances import hours, make_agent, make_problem

from scheduler.aggregate import group_agents
from scheduler.plan_moves import best_response
from scheduler.plan_state import TIE_WEIGHT, State


def _morning_or_afternoon(target_hours: tuple[int, int] | None) -> tuple[int, float]:
    """One agent, 4-h shifts; the queue lacks one agent 08-12 and one 12-16, so either shift
    covers the same. Returns the chosen start hour and the objective."""
    agent = make_agent("a", lengths_minutes=(240,))
    problem = make_problem((agent,), need={"q1": hours(8, 16)})
    state = State(problem, group_agents(problem))
    if target_hours is not None:
        state.target = np.zeros(state.required.shape)
        state.target[0, target_hours[0]:target_hours[1]] = 1.0
    a = state.agents[0]
    assert best_response(state, a) == 1
    (shift,) = a.shifts.values()
    return problem.grid.local(shift.candidate.start).hour, state.objective()


def test_equal_shifts_are_decided_by_the_plan():
    for first, last in ((8, 12), (12, 16)):
        start, objective = _morning_or_afternoon((first, last))
        assert start == first  # the plan's hours are taken
        assert objective == 4 * 100  # and the objective is the same either way
    assert _morning_or_afternoon(None)[1] == 4 * 100


def test_the_plan_only_nudges_the_value_of_an_agent():
    # one more agent towards the plan is worth TIE_WEIGHT more than the objective says, away
    # from it TIE_WEIGHT less: a week of such nudges stays below one point of the objective
    agent = make_agent("a", lengths_minutes=(240,))
    problem = make_problem((agent,), need={"q1": hours(8, 12)})
    state = State(problem, group_agents(problem))
    state.target = np.full(state.required.shape, 5.0)
    gain = state.marginal(state.agents[0].skills)
    plain = np.where(state.coverage < state.required, 100.0, -1.0)
    assert np.allclose(gain[0, 8:20] - plain[0, 8:20], TIE_WEIGHT)  # towards the plan
    state.target[:] = 0.0
    gain = state.marginal(state.agents[0].skills)
    assert np.allclose(gain[0, 8:20] - plain[0, 8:20], -TIE_WEIGHT)  # away from it
