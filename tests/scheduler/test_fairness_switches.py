"""Soft terms fairness (weekends, evenings, nights pro rata) and block switching."""

from __future__ import annotations

import time
from dataclasses import replace

from tiny_instances import MONDAY, assert_valid, hours, make_agent, make_problem

from scheduler.domain import NO_FAIRNESS, Activity, Fairness, PayRates, Roster, Shift
from scheduler.fair_swaps import fair_swaps
from scheduler.fairness import excess
from scheduler.objective import soft_penalties
from scheduler.solve import solve
from scheduler.validate import validate


def _weekend_problem(fairness: Fairness | None = None):
    """Two agents alike but for pay, Saturday and Sunday, one 4-h shift needed 08-12 each day.

    a1 costs 1 an hour and a2 2, so without fairness both shifts go to a1 (8 against 12).
    """
    agents = tuple(make_agent(k, lengths_minutes=(240,), earliest_start_minute=8 * 60,
                              latest_start_minute=8 * 60, contract={"pay": PayRates(rate)})
                   for k, rate in (("a1", 1.0), ("a2", 2.0)))
    saturday = replace(make_problem(agents, days=2, need={"q1": hours(8, 12)},
                                    start_day=MONDAY.replace(day=8)),
                       fairness=fairness or Fairness())
    return saturday


def test_two_weekend_shifts_go_one_to_each_identical_agent():
    problem = _weekend_problem()
    assert problem.grid.day_list[0].weekday() == 5  # a Saturday
    result = solve(problem, time_limit_seconds=5, num_workers=1)
    assert_valid(problem, result)
    assert sorted(s.agent for s in result.roster.shifts) == ["a1", "a2"]
    assert result.penalties["fair_weekends"] == 0
    assert result.penalties == soft_penalties(problem, result.roster)
    # without the term the cheaper agent takes both: the term is what spreads them
    unfair = solve(replace(problem, fairness=NO_FAIRNESS), time_limit_seconds=5, num_workers=1)
    assert [s.agent for s in unfair.roster.shifts] == ["a1", "a1"]


def test_both_weekend_shifts_on_one_agent_cost_the_weekend_weight():
    problem = _weekend_problem(Fairness(weekend_weight=7, evening_weight=0, night_weight=0))
    result = solve(problem, time_limit_seconds=5, num_workers=1)
    one = next(s for s in result.roster.shifts if s.agent == "a1")
    other = next(s for s in result.roster.shifts if s.agent == "a2")
    both = Roster((one, replace(other, agent="a1", activities=other.activities)))
    # a1 works 2 of 2 weekend shifts: share 1, excess 1; a2 none: excess 0
    assert soft_penalties(problem, both)["fair_weekends"] == 7
    assert soft_penalties(problem, result.roster)["fair_weekends"] == 0
    assert "fair_weekends" not in soft_penalties(replace(problem, fairness=NO_FAIRNESS),
                                                 result.roster)


def test_fair_share_is_pro_rata_to_contract_size_and_rounded_up():
    # a full-timer (2250 min) and a part-timer (1125 min) share 3 weekend shifts: 2 and 1
    assert excess(2, 2250, 3, 3375) == 0 and excess(1, 1125, 3, 3375) == 0
    assert excess(3, 2250, 3, 3375) == 1  # all three to the full-timer: one above 2
    assert excess(2, 1125, 3, 3375) == 1  # two to the part-timer: one above 1
    assert excess(0, 1125, 3, 3375) == 0


def test_evening_intervals_are_spread_over_agents():
    # a shift 16-20 wanted on Monday and Tuesday, 2 evening (18-23) intervals each; a1 is
    # cheaper by 4 a shift, and 2 evening intervals above the share weigh 2 * 5 = 10
    agents = tuple(make_agent(k, lengths_minutes=(240,), earliest_start_minute=16 * 60,
                              latest_start_minute=16 * 60, contract={"pay": PayRates(rate)})
                   for k, rate in (("a1", 1.0), ("a2", 2.0)))
    problem = replace(make_problem(agents, days=2, need={"q1": hours(16, 20)},
                                   open_hours={"q1": hours(8, 22)}),
                      fairness=Fairness(weekend_weight=0, evening_weight=5, night_weight=0))
    result = solve(problem, time_limit_seconds=5, num_workers=1)
    assert_valid(problem, result)
    assert sorted(s.agent for s in result.roster.shifts) == ["a1", "a2"]
    assert result.penalties["fair_evenings"] == 0
    assert result.penalties == soft_penalties(problem, result.roster)
    both = Roster(tuple(replace(s, agent="a1") for s in result.roster.shifts))
    assert soft_penalties(problem, both)["fair_evenings"] == 5 * 2


def _two_queue_problem():
    """One agent on q1 and q2 of one client, 4 h; each queue wants one agent 2 h of it."""
    agent = make_agent(skills=("q1", "q2"), lengths_minutes=(240,), earliest_start_minute=8 * 60,
                       latest_start_minute=8 * 60, min_activity_minutes=60)
    return make_problem((agent,), queues=("q1", "q2"),
                        need={"q1": hours(8, 10), "q2": hours(10, 12)})


def test_block_switches_count_each_direct_change_of_queue():
    problem = _two_queue_problem()
    result = solve(problem, time_limit_seconds=5, num_workers=1)
    assert_valid(problem, result)
    assert result.penalties["block_switches"] == 1  # q1 08-10, then q2 10-12: one switch
    assert result.penalties["understaffing"] == 0
    (shift,) = result.roster.shifts
    grid, at = problem.grid, problem.grid.interval_start
    t8 = grid.index_of(shift.start)
    ping_pong = replace(shift, activities=tuple(
        Activity(q, at(t8 + k), at(t8 + k + 1)) for k, q in enumerate(("q1", "q2", "q1", "q2"))))
    assert soft_penalties(problem, Roster((ping_pong,)))["block_switches"] == 3


def test_switches_are_avoided_when_coverage_is_equal():
    # both queues want one agent all four hours: any split is as short; staying is best
    agent = make_agent(skills=("q1", "q2"), lengths_minutes=(240,), earliest_start_minute=8 * 60,
                       latest_start_minute=8 * 60, min_activity_minutes=60)
    problem = make_problem((agent,), queues=("q1", "q2"),
                           need={"q1": hours(8, 12), "q2": hours(8, 12)})
    result = solve(problem, time_limit_seconds=5, num_workers=1)
    assert_valid(problem, result)
    assert result.penalties["block_switches"] == 0
    (shift,) = result.roster.shifts
    assert len({a.queue for a in shift.activities}) == 1


def test_planner_day_trades_spread_weekends_and_change_nothing_else():
    agents = tuple(make_agent(k, lengths_minutes=(240,)) for k in ("a1", "a2"))
    problem = make_problem(agents, days=7, need={"q1": hours(8, 12)})
    grid, at = problem.grid, problem.grid.interval_start

    def shift(agent: str, d: int) -> Shift:
        first = grid.local_time_index(d, 8 * 60)
        return Shift(agent, grid.day_list[d], at(first), at(first + 4),
                     activities=(Activity("q1", at(first), at(first + 4)),))

    unfair = Roster((shift("a1", 5), shift("a1", 6), shift("a2", 0), shift("a2", 1)))
    before = soft_penalties(problem, unfair)
    assert before["fair_weekends"] == 10  # a1 has both weekend shifts, a share of one
    traded = fair_swaps(problem, unfair, [["a1", "a2"]], deadline=time.monotonic() + 5)
    after = soft_penalties(problem, traded)
    assert after["fair_weekends"] == 0 and validate(problem, traded) == []
    assert {k: v for k, v in after.items() if not k.startswith("fair_")} == \
        {k: v for k, v in before.items() if not k.startswith("fair_")}
