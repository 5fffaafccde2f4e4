"""Email as cumulative workload in the rostering model: windows, late work, deferral, schema."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from scheduler import cli
from scheduler.backlog import account
from scheduler.coverage import coverage, shortfall
from scheduler.domain import Activity, Problem, Queue, Roster, ServiceTarget, Shift, Workload
from scheduler.penalties import SOFT_TERMS
from scheduler.serialize import SchemaError, problem_from_json, problem_to_json, roster_to_json
from scheduler.solve import solve
from scheduler.staffing import deferred_workload, with_deferred_workload
from scheduler.validate import validate
from scheduler.workload import deferred_penalties, late_weight
from tests.scheduler.tiny_instances import hours, make_agent, make_problem


def _email_problem(agents, *, arrive: dict[int, int], due: dict[int, int], window: int,
                   voice_need=None) -> Problem:
    """One day at 60-min intervals: an email queue `e` with a workload, optionally voice `v`."""
    keys = ("e", "v") if voice_need else ("e",)
    base = make_problem(agents, queues=keys, need={"v": voice_need} if voice_need else {})
    n = base.grid.n_intervals
    arrived = tuple(arrive.get(t, 0) for t in range(n))
    due_by = tuple(due.get(t, 0) for t in range(n))
    queues = tuple(Queue(k, "acme", "email" if k == "e" else "voice", "fi") for k in keys)
    return replace(base, queues=queues,
                   workload={"e": Workload(arrived, due_by, window_intervals=window)})


def _assert_valid(problem: Problem, result) -> None:
    assert result.status in ("OPTIMAL", "FEASIBLE"), result.message
    assert validate(problem, result.roster) == []


@pytest.mark.parametrize("start_hour", [8, 10, 12])
def test_work_can_be_done_anywhere_in_its_window(start_hour):
    # two agent-hours arrive at 08:00, due by the end of the 15:00 interval: a 4-hour shift
    # starting at 08, 10 or 12 gets it done on time
    agent = make_agent(skills=("e",), lengths_minutes=(240,),
                       earliest_start_minute=start_hour * 60, latest_start_minute=start_hour * 60)
    problem = _email_problem((agent,), arrive={8: 120}, due={15: 120}, window=8)
    result = solve(problem, time_limit_seconds=5)
    _assert_valid(problem, result)
    assert result.penalties["late_work"] == 0
    assert result.penalties["deferred_surplus"] == 2  # 4 agent-hours on a 2-hour job
    assert sum(result.shortfall["e"]) == 0


def test_late_work_costs_per_open_interval_it_stays_overdue():
    # 120 agent-minutes arrive at 08, all due by the end of 09; the only shift starts at 11:
    # overdue 120 at the end of 09 and 10 (2 agent-intervals each), 60 at the end of 11 (1)
    agent = make_agent(skills=("e",), lengths_minutes=(240,), earliest_start_minute=11 * 60,
                       latest_start_minute=11 * 60, min_week=240)
    problem = _email_problem((agent,), arrive={8: 120}, due={9: 120}, window=2)
    weight = late_weight(problem.queue("e"), problem.workload["e"])
    assert weight == 50  # a whole window (2 intervals) late costs the shortfall weight 100
    result = solve(problem, time_limit_seconds=5)
    _assert_valid(problem, result)
    assert result.penalties["late_work"] == weight * (2 + 2 + 1)
    assert result.shortfall["e"][9:13] == (2, 2, 1, 0)
    assert result.penalties == {**result.penalties, **deferred_penalties(problem, result.roster)}


def test_no_work_before_it_arrives():
    # the work arrives at 12:00; an agent on the queue 08-12 does none of it
    problem = _email_problem((make_agent(skills=("e",)),), arrive={12: 60}, due={13: 60},
                             window=2)
    day = problem.grid.day_list[0]
    start = problem.grid.interval_start(8)
    early = Roster((Shift("a1", day, start, start + timedelta(hours=4),
                          activities=(Activity("e", start, start + timedelta(hours=4)),)),))
    backlog = account(problem.workload["e"], coverage(problem, early)["e"],
                      problem.is_open["e"], 60)
    assert sum(backlog.done) == 0
    # overdue from 13:00 until the queue closes at 20:00, as nobody is there after 12:00
    assert backlog.late[12:21] == (0, 1, 1, 1, 1, 1, 1, 1, 0)
    assert deferred_penalties(problem, early) == {"late_work": 7 * 50, "deferred_surplus": 4}


def test_deferring_email_to_a_quiet_interval_beats_meeting_per_interval_peaks():
    # voice needs 2 agents 09-11; 2 agent-hours of email arrive 09-11 and may wait 8 hours.
    # Two agents, 4-hour shifts from 09: voice first, email after it, leaves no gap at all.
    agents = tuple(make_agent(k, skills=("e", "v"), lengths_minutes=(240,),
                              earliest_start_minute=9 * 60, latest_start_minute=9 * 60,
                              min_week=240) for k in ("a1", "a2"))
    deferred = _email_problem(agents, arrive={9: 60, 10: 60}, due={16: 54, 17: 54, 19: 12},
                              window=8, voice_need=hours(9, 11, 2))
    result = solve(deferred, time_limit_seconds=5)
    _assert_valid(deferred, result)
    assert result.penalties["understaffing"] == 0
    assert result.penalties["late_work"] == 0
    assert sum(coverage(deferred, result.roster)["e"][9:11]) == 0  # email waited for 11:00

    # the same day judged per interval (email needed where it arrives) cannot avoid a gap
    peaks = Problem(deferred.grid, deferred.queues, agents,
                    {"e": hours_vector(deferred, {9: 1, 10: 1}), "v": deferred.requirement["v"]},
                    deferred.is_open)
    per_interval = solve(peaks, time_limit_seconds=5)
    _assert_valid(peaks, per_interval)
    assert per_interval.penalties["understaffing"] >= 2 * 100

    # and the roster that meets the email peaks costs more under the workload model
    day, start = deferred.grid.day_list[0], deferred.grid.interval_start(9)
    at = [start + timedelta(hours=h) for h in range(5)]
    peak_roster = Roster((
        Shift("a1", day, at[0], at[4], activities=(Activity("e", at[0], at[2]),
                                                   Activity("v", at[2], at[4]))),
        Shift("a2", day, at[0], at[4], activities=(Activity("v", at[0], at[4]),)),
    ))
    assert validate(deferred, peak_roster) == []
    voice_gap = sum(shortfall(deferred, peak_roster)["v"]) * 100
    assert voice_gap + sum(deferred_penalties(deferred, peak_roster).values()) > result.objective


def hours_vector(problem: Problem, values: dict[int, int]) -> tuple[int, ...]:
    """A per-interval vector with `values` at the given intervals."""
    return tuple(values.get(t, 0) for t in range(problem.grid.n_intervals))


def test_problems_without_workload_keep_their_terms():
    problem = make_problem((make_agent(lengths_minutes=(240,)),), need={"q1": hours(8, 12)})
    result = solve(problem, time_limit_seconds=5)
    unpriced = {term.__name__ for term in SOFT_TERMS} - {"shift_cost"}  # no pay rates here
    assert set(result.penalties) == unpriced


def test_the_target_share_falls_due_at_the_window_end_and_the_rest_by_the_last_open_interval():
    is_open = np.array([False] + [True] * 6 + [False])
    target = ServiceTarget(0.9, 0, max_occupancy=0.8, response_minutes=120)
    seconds = np.zeros(8)
    seconds[0] = 4800.0  # 100 agent-minutes at 80 % occupancy, arriving while closed
    work = deferred_workload(seconds, is_open, 60, target)
    assert work.window_intervals == 2
    assert work.arrived == (100, 0, 0, 0, 0, 0, 0, 0)
    assert work.due == (0, 0, 90, 0, 0, 0, 10, 0)  # window 01-02 (first open), rest at 06
    # work whose window runs past the period's end is not due in it
    late_arrival = np.zeros(8)
    late_arrival[6] = 4800.0
    work = deferred_workload(late_arrival, is_open, 60, target)
    assert sum(work.arrived) == 100 and sum(work.due) == 0


def test_running_totals_round_up_to_whole_agent_minutes():
    seconds = np.full(6, 20.0)  # a third of an agent-minute each interval
    work = deferred_workload(seconds, np.ones(6, bool), 30, ServiceTarget(
        0.5, 0, max_occupancy=1.0, response_minutes=30))
    assert np.cumsum(work.arrived).tolist() == [1, 1, 1, 2, 2, 2]
    assert sum(work.due) == 2


def test_with_deferred_workload_covers_email_queues_only():
    base = make_problem((make_agent(skills=("e", "v")),), queues=("e", "v"))
    problem = replace(base, queues=(Queue("e", "acme", "email", "fi"),
                                    Queue("v", "acme", "voice", "fi")))
    n = problem.grid.n_intervals
    seconds = {"e": np.full(n, 600.0), "v": np.full(n, 600.0)}
    targets = {"e": ServiceTarget(0.9, 0, 0.9, response_minutes=8 * 60), "v": ServiceTarget()}
    staffed = with_deferred_workload(problem, seconds, targets)
    assert set(staffed.workload) == {"e"}
    assert staffed.workload["e"].window_intervals == 8
    assert sum(staffed.workload["e"].arrived) == pytest.approx(n * 600 / 60 / 0.9, abs=1)


def test_workload_round_trips_through_json_and_bad_workload_is_a_schema_error():
    problem = _email_problem((make_agent(skills=("e",)),), arrive={8: 120}, due={15: 120},
                             window=8)
    document = problem_to_json(problem)
    assert problem_from_json(document).workload == problem.workload
    assert "workload" not in problem_to_json(make_problem((make_agent(),)))
    good = dict(document["workload"]["e"])
    document["workload"]["e"]["due"] = [120] + [0] * (problem.grid.n_intervals - 1)
    with pytest.raises(SchemaError, match="workload.e: work cannot fall due before it arrives"):
        problem_from_json(document)
    document["workload"] = {"nowhere": good}
    with pytest.raises(SchemaError, match="unknown queue nowhere"):
        problem_from_json(document)


def test_vuoro_validate_reports_late_work_without_failing(tmp_path, capsys):
    problem = _email_problem((make_agent(skills=("e",)),), arrive={12: 60}, due={13: 60},
                             window=2)
    day, start = problem.grid.day_list[0], problem.grid.interval_start(8)
    early = Roster((Shift("a1", day, start, start + timedelta(hours=4),
                          activities=(Activity("e", start, start + timedelta(hours=4)),)),))
    problem_file, roster_file = tmp_path / "p.json", tmp_path / "r.json"
    problem_file.write_text(json.dumps(problem_to_json(problem)))
    roster_file.write_text(json.dumps(roster_to_json(early)))
    parser = argparse.ArgumentParser(prog="vuoro")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["validate", "--problem", str(problem_file),
                              "--roster", str(roster_file)])
    assert cli.run(args) == 0
    out = capsys.readouterr().out
    assert "late work   e: 7 overdue agent-intervals" in out
    assert "60 agent-minutes still waiting at the period's end" in out
