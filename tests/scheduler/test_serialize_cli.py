"""The JSON schema round-trips problems and rosters; `vuoro solve` and `validate` on files."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from tiny_instances import MONDAY, hours, local, make_agent, make_problem

from scheduler import cli
from scheduler.bench import synthetic_problem
from scheduler.domain import Activity, Break, Fairness, Roster, Shift
from scheduler.serialize import (
    SchemaError,
    problem_from_json,
    problem_to_json,
    roster_from_json,
    roster_to_json,
)


def tiny_problem():
    """Two agents, two queues, two days, with time off, a holiday and a published Sunday."""
    sunday = MONDAY - timedelta(days=1)
    before = Shift("a1", sunday, local(sunday, 12), local(sunday, 16))
    return replace(
        make_problem(
            (make_agent("a1", ("q1", "q2"), lengths_minutes=(240,)),
             make_agent("a2", ("q2",), time_off=(MONDAY,), lengths_minutes=(240,))),
            queues=("q1", "q2"), days=2,
            need={"q1": hours(8, 12), "q2": hours(12, 16)},
        ),
        holidays=frozenset({MONDAY}),
        fixed_before={"a1": (before,)},
    )


def same_problem(a, b) -> bool:
    """Problems have no equality (eq=False): compare their JSON."""
    return problem_to_json(a) == problem_to_json(b)


def test_problem_round_trip_through_json_text():
    problem = tiny_problem()
    text = json.dumps(problem_to_json(problem))
    back = problem_from_json(json.loads(text))
    assert same_problem(problem, back)
    assert back.agents == problem.agents and back.queues == problem.queues
    assert back.requirement == problem.requirement and back.is_open == problem.is_open
    assert back.fixed_before == problem.fixed_before and back.holidays == problem.holidays


def test_demo_week_round_trips():
    problem = synthetic_problem()
    assert same_problem(problem, problem_from_json(problem_to_json(problem)))


def test_roster_round_trip_keeps_instants():
    at = lambda h: local(MONDAY, h)  # noqa: E731
    roster = Roster((Shift("a1", MONDAY, at(8), at(16), (Break(at(11), at(12)),),
                           (Activity("q1", at(8), at(11)), Activity("q2", at(12), at(16)))),))
    document = json.loads(json.dumps(roster_to_json(roster)))
    assert document["shifts"][0]["start"] == "2025-03-03T08:00:00+02:00"
    assert roster_from_json(document) == roster


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema="vuoro.problem/9"), "schema"),
        (lambda d: d["agents"][0].update(contract="nope"), "agents[0].contract"),
        (lambda d: d["agents"][0].pop("key"), "agents[0]: missing field 'key'"),
        (lambda d: d["contracts"][0].update(max_minutes_per_day="8h"), "max_minutes_per_day"),
        (lambda d: d["requirement"]["q1"].pop(), "requirement[q1]"),
        (lambda d: d["grid"].update(interval_minutes=7), "grid"),
        (lambda d: d["queues"][0].update(colour="red"), "unknown fields"),
    ],
)
def test_bad_problem_is_one_line_schema_error(change, message):
    document = problem_to_json(tiny_problem())
    change(document)
    with pytest.raises(SchemaError, match=message.replace("[", r"\[").replace("]", r"\]")) as exc:
        problem_from_json(document)
    assert "\n" not in str(exc.value)


def test_roster_needs_offsets():
    with pytest.raises(SchemaError, match="offset"):
        roster_from_json({"schema": "vuoro.roster/1", "shifts": [
            {"agent": "a1", "day": "2025-03-03", "start": "2025-03-03T08:00:00",
             "end": "2025-03-03T12:00:00"}]})


def vuoro(*argv: str) -> int:
    """Run the commands as `vuoro` would, through argparse."""
    parser = argparse.ArgumentParser(prog="vuoro")
    cli.register(parser.add_subparsers(dest="command", required=True))
    return cli.run(parser.parse_args(argv))


def test_solve_then_validate_on_files(tmp_path, capsys):
    problem_file, roster_file = tmp_path / "p.json", tmp_path / "r.json"
    problem_file.write_text(json.dumps(problem_to_json(tiny_problem())))
    assert vuoro("solve", "--problem", str(problem_file), "--out", str(roster_file),
                 "--time-limit", "5") == 0
    out = capsys.readouterr()
    assert "status      OPTIMAL" in out.out and "understaffing" in out.out
    assert "gap" in out.out and "bound" in out.out
    assert "short       acme voice fi, Mon 03.03. " in out.out  # a1's meal break or more
    assert "objective" in out.err  # the progress bar's final line
    document = json.loads(roster_file.read_text())
    assert document["solve"]["status"] == "OPTIMAL" and document["shifts"]
    assert vuoro("validate", "--problem", str(problem_file), "--roster", str(roster_file)) == 0
    assert "valid:" in capsys.readouterr().out

    # re-plan from the written roster: nothing needs to change
    again = tmp_path / "again.json"
    assert vuoro("solve", "--problem", str(problem_file), "--out", str(again),
                 "--keep", str(roster_file), "--time-limit", "5") == 0
    assert "changes     0 agent-days" in capsys.readouterr().out

    # move a shift to an hour it may not start: exit 1, the violation listed
    document["shifts"][0]["start"] = document["shifts"][0]["start"].replace("T08", "T07")
    roster_file.write_text(json.dumps(document))
    assert vuoro("validate", "--problem", str(problem_file), "--roster", str(roster_file)) == 1
    assert "shift_start" in capsys.readouterr().out


def test_bad_json_is_one_line_exit_2(tmp_path, capsys):
    broken = tmp_path / "p.json"
    broken.write_text("{not json")
    assert vuoro("solve", "--problem", str(broken), "--out", str(tmp_path / "r.json")) == 2
    err = capsys.readouterr().err
    assert err.startswith("vuoro solve: error:") and err.count("\n") == 1
    assert vuoro("validate", "--problem", str(tmp_path / "missing.json"),
                 "--roster", str(broken)) == 2
    err = capsys.readouterr().err
    assert err.startswith("vuoro validate: error:") and err.count("\n") == 1


def test_coffee_breaks_fairness_and_switch_weight_round_trip_with_finnish_defaults():
    base = tiny_problem()
    agent = base.agents[0]
    rule = replace(agent.shift_rule, coffee_break_minutes=10, coffee_break_every_minutes=180,
                   coffee_break_window_minutes=(30, 120), switch_weight=4)
    problem = replace(base, agents=tuple(replace(a, shift_rule=rule) for a in base.agents),
                      fairness=Fairness(weekend_weight=3, evening_minutes=(17 * 60, 22 * 60)))
    back = problem_from_json(json.loads(json.dumps(problem_to_json(problem))))
    assert back.agents[0].shift_rule == rule and back.fairness == problem.fairness
    # left out, they take the Finnish defaults: 15 min per 4 h, weekends/evenings/nights
    document = problem_to_json(base)
    del document["fairness"]
    for item in document["shift_rules"]:
        for key in ("coffee_break_minutes", "coffee_break_every_minutes",
                    "coffee_break_window_minutes", "switch_weight"):
            del item[key]
    defaults = problem_from_json(document)
    assert defaults.fairness == Fairness() and defaults.fairness.night_minutes == (1380, 360)
    assert defaults.agents[0].shift_rule.coffee_breaks(480, 15) == 2
    document["fairness"] = {"weekend_wieght": 5}
    with pytest.raises(SchemaError, match="fairness: unknown fields"):
        problem_from_json(document)
