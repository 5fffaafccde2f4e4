"""A day re-planned as one MIP moves several agents at once where no single move gains."""

from __future__ import annotations

from tiny_instances import hours, make_agent, make_problem

from scheduler import plan, plan_moves, plan_state
from scheduler.aggregate import group_agents
from scheduler.day_mip import replan_day
from scheduler.validate import validate


def _swap_needed():
    """q1 wants one agent 08-12 and q2 one 12-16. Ann serves both, Bo only q2; 4-h shifts.

    Rostered Ann 12-16 on q2 and Bo 08-12 (on q2, surplus): moving Ann alone to the morning
    trades the afternoon's cover for the morning's, and moving Bo alone to the afternoon
    doubles it up, so neither gains by itself; both moving covers everything."""
    four_hours = {"min_week": 7 * 240, "max_week": 7 * 240}  # a one-day period: 4 h each
    ann = make_agent("ann", skills=("q1", "q2"), lengths_minutes=(240,), **four_hours)
    bo = make_agent("bo", skills=("q2",), lengths_minutes=(240,), **four_hours)
    problem = make_problem((ann, bo), queues=("q1", "q2"),
                           need={"q1": hours(8, 12), "q2": hours(12, 16)})
    state = plan_state.State(problem, group_agents(problem))
    q2 = state.queue_keys.index("q2")
    for a, hour in zip(state.agents, (12, 8), strict=True):
        start = state.day_start[0] + hour
        c = next(c for c in a.by_day[0] if c.start == start)
        a.shifts[0] = plan_state.Assigned(c, None, [list(a.skills).index(q2)] * (c.end - c.start))
        state.apply(a, a.shifts[0], +1)
    return problem, state


def test_no_single_agent_move_gains_but_the_day_mip_covers_both_queues():
    problem, state = _swap_needed()
    before = state.objective()
    assert before == 4 * 100 + 4 * 1  # q1's morning short, Bo's four surplus hours
    for a in state.agents:
        assert plan_moves.best_response(state, a) == 0
        assert plan_moves.best_response(state, a, chains=True) == 0
    assert state.objective() == before
    gain = replan_day(state, 0, time_limit_seconds=5)
    assert gain == before and state.objective() == 0
    ann, bo = state.agents
    assert ann.shifts[0].candidate.start == state.day_start[0] + 8
    assert bo.shifts[0].candidate.start == state.day_start[0] + 12
    assert validate(problem, plan._roster(state)) == []


def test_a_day_the_mip_cannot_improve_is_left_as_it_was():
    problem, state = _swap_needed()
    assert replan_day(state, 0, time_limit_seconds=5) > 0
    kept = {a.agent.key: a.shifts[0] for a in state.agents}
    assert replan_day(state, 0, time_limit_seconds=5) == 0
    assert {a.agent.key: a.shifts[0] for a in state.agents} == kept
