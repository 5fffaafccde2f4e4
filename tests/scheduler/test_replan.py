"""Re-planning after one agent falls sick keeps the other published shifts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tiny_instances import MONDAY, assert_valid, hours, make_agent, make_problem

from scheduler.greedy import greedy_roster
from scheduler.replan import replan, roster_changes
from scheduler.solve import solve
from scheduler.validate import validate


def team():
    """Six agents, two queues, a working week of demand 08-16 (two agents on q1, one on q2)."""
    agents = tuple(
        make_agent(f"a{i}", ("q1", "q2") if i % 2 else ("q1",), lengths_minutes=(240, 480),
                   max_week=7 * 4 * 480 // 5, meal_break_window_minutes=(180, 240))
        for i in range(6)
    )
    need = {"q1": hours(8, 16, 2, days=(0, 1, 2, 3, 4)), "q2": hours(8, 16, days=(0, 1, 2, 3, 4))}
    return make_problem(agents, queues=("q1", "q2"), days=7, need=need)


def test_sick_agent_changes_only_the_shifts_that_cover_that_day():
    problem = team()
    published = solve(problem, time_limit_seconds=5).roster
    assert validate(problem, published) == []
    sick = next(s for s in published.shifts if s.day == MONDAY + timedelta(days=2))
    agents = tuple(replace(a, time_off=a.time_off | {sick.day}) if a.key == sick.agent else a
                   for a in problem.agents)
    changed = replace(problem, agents=agents)
    plan = replan(changed, published, time_limit_seconds=5)
    assert_valid(changed, plan.result)
    assert plan.result.penalties["changes"] > 0
    # the sick shift goes; at most two more agent-days move to cover the gap
    assert any(c.agent == sick.agent and c.day == sick.day and c.after is None
               for c in plan.changes)
    assert len(plan.changes) <= 3, [c.text for c in plan.changes]
    assert all(c.day == sick.day for c in plan.changes), [c.text for c in plan.changes]
    removed = next(c for c in plan.changes if c.after is None)
    assert "removed" in removed.text and "Wed" in removed.text


def test_roster_changes_in_words():
    problem = team()
    roster = greedy_roster(problem)
    first = roster.shifts[0]
    hour = timedelta(hours=1)
    moved = replace(first, start=first.start + hour, end=first.end + hour)
    (change,) = roster_changes(problem, roster, replace(roster, shifts=(moved, *roster.shifts[1:])))
    assert change.before == first and change.after == moved
    assert "→" in change.text
