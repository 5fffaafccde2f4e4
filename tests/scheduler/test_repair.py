"""Promised agents are moved in from other queues of their shifts, shift times unchanged."""

from __future__ import annotations

from dataclasses import replace

from tiny_instances import hours, make_agent, make_problem

from scheduler.coverage import coverage
from scheduler.domain import Activity, Break, Problem, Queue, Roster, Shift
from scheduler.repair import keep_promises, without_unworkable_shifts
from scheduler.validate import validate


def _problem(promise: int = 1) -> Problem:
    """One agent for q1 and q2 on 08-16, both queues short; a promise of q2 agents 10-12."""
    agent = make_agent(skills=("q1", "q2"), lengths_minutes=(480,),
                       meal_break_window_minutes=(240, 300))
    base = make_problem((agent,), queues=("q1", "q2"),
                        need={"q1": hours(8, 16), "q2": hours(8, 16)})
    queues = (Queue("q1", "acme", "voice", "fi", shortfall_weight=150),
              Queue("q2", "bolt", "chat", "fi", shortfall_weight=100))
    promised = tuple(promise if 10 <= base.grid.local(t).hour < 12 else 0
                     for t in range(base.grid.n_intervals))
    return Problem(base.grid, queues, base.agents, base.requirement, base.is_open,
                   committed={"q2": promised})


def _on_q1_all_day(problem: Problem) -> Roster:
    """The agent works q1 08-12 and 13-16 with a meal break 12-13."""
    grid = problem.grid
    at = {h: next(grid.interval_start(t) for t in range(grid.n_intervals)
                  if grid.local(t).hour == h) for h in (8, 12, 13, 16)}
    return Roster((Shift("a1", problem.grid.day_list[0], at[8], at[16],
                         breaks=(Break(at[12], at[13]),),
                         activities=(Activity("q1", at[8], at[12]),
                                     Activity("q1", at[13], at[16]))),))


def test_an_agent_on_another_queue_takes_the_promised_window() -> None:
    problem = _problem()
    published = _on_q1_all_day(problem)
    assert validate(problem, published) == []
    repaired = keep_promises(problem, published)
    assert validate(problem, repaired) == []
    covered = coverage(problem, repaired)
    window = [t for t in range(problem.grid.n_intervals) if problem.committed["q2"][t]]
    assert all(covered["q2"][t] == 1 for t in window)
    assert sum(covered["q2"]) == len(window), "only the promised window moves"
    (before,), (after,) = published.shifts, repaired.shifts
    assert (after.start, after.end, after.breaks) == (before.start, before.end, before.breaks)


def test_nothing_moves_without_promises() -> None:
    problem = replace(_problem(), committed={})
    published = _on_q1_all_day(problem)
    assert keep_promises(problem, published) is published


def test_a_move_that_would_break_a_rule_is_not_made() -> None:
    """With 3-hour minimum activity blocks, a 2-hour switch is not allowed; the repair takes
    the whole morning segment, which keeps the rule."""
    problem = _problem()
    rule = replace(problem.agents[0].shift_rule, min_activity_minutes=180)
    problem = replace(problem, agents=(replace(problem.agents[0], shift_rule=rule),))
    repaired = keep_promises(problem, _on_q1_all_day(problem))
    assert validate(problem, repaired) == []
    covered = coverage(problem, repaired)
    assert all(covered["q2"][t] == 1 for t in range(problem.grid.n_intervals)
               if problem.committed["q2"][t])


def test_shifts_on_new_days_off_and_of_gone_agents_leave_the_start() -> None:
    """A day approved off after publishing drops that shift; other shifts stay as they were."""
    problem = replace(_problem(), committed={})
    published = _on_q1_all_day(problem)
    day = problem.grid.day_list[0]
    off = replace(problem, agents=(replace(problem.agents[0], time_off=frozenset({day})),))
    assert without_unworkable_shifts(off, published).shifts == ()
    assert without_unworkable_shifts(problem, published) is published
    gone = replace(problem, agents=(replace(problem.agents[0], key="someone-else"),))
    assert without_unworkable_shifts(gone, published).shifts == ()
