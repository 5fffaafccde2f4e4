"""One more agent is worth the chain of queue hand-overs it allows (scheduler.plan_state)."""

from __future__ import annotations

from tiny_instances import hours, make_agent, make_problem

from scheduler.aggregate import group_agents
from scheduler.domain import Activity, Roster, Shift
from scheduler.plan_start import load
from scheduler.plan_state import State


def test_an_agent_for_a_full_queue_is_worth_the_shortfall_another_can_move_to():
    # b (q1 and q2) covers q1 at 08-12; q2 lacks an agent there; a knows q1 only.
    # a on q1 frees b for q2: a's q1 is worth q2's shortfall weight, not overstaffing
    a = make_agent("a", skills=("q1",), lengths_minutes=(240,))
    b = make_agent("b", skills=("q1", "q2"), lengths_minutes=(240,))
    problem = make_problem((a, b), queues=("q1", "q2"),
                           need={"q1": hours(8, 12), "q2": hours(8, 12)})
    state = State(problem, group_agents(problem))
    grid = problem.grid
    start, end = grid.interval_start(8), grid.interval_start(12)
    load(state, Roster((Shift("b", grid.day_list[0], start, end, (),
                              (Activity("q1", start, end),)),)))
    at_a = next(x for x in state.agents if x.agent.key == "a")
    direct = state.marginal(at_a.skills)
    chained = state.chain_marginal(at_a.skills, 8, 12)
    assert (direct[0, 8:12] == -1).all()  # q1 is covered: one more there is surplus
    assert (chained[0, 8:12] == 100).all()  # but b can hand q1 over and fill q2
    assert (chained[0, 12:] == direct[0, 12:]).all()  # outside the window: as before
