"""The `vuoro erlang` calculator, through the real `vuoro` entry point."""

import re

import pytest

from web.cli import main

CCH = ["erlang", "--contacts", "100", "--interval-minutes", "30", "--aht-seconds", "180",
       "--target", "0.8", "--answer-seconds", "20"]


def _figures(output: str) -> dict[str, float]:
    """The first number on each labelled line of the calculator's output."""
    figures = {}
    for line in output.splitlines():
        label, _, rest = line.partition(":")
        number = re.search(r"-?[0-9]+(?:\.[0-9]+)?", rest)
        if number:
            figures[label.strip()] = float(number.group())
    return figures


def test_call_centre_helper_example(capsys):
    """Published: 14 agents, SL 88.8 %, P(wait) 17.4 %, occupancy 71.4 %, 20 with 30 %."""
    assert main([*CCH, "--shrinkage", "0.3"]) == 0
    output = capsys.readouterr().out
    figures = _figures(output)
    assert figures["Required agents"] == 14
    assert "20 scheduled" in output
    assert figures["Service level"] == 88.8
    assert figures["P(wait)"] == 17.4
    assert figures["Occupancy"] == 71.4
    assert figures["ASA"] == pytest.approx(7.8)
    assert "Abandonment" not in output


def test_ninety_percent_target_needs_fifteen_and_twenty_two_scheduled(capsys):
    assert main([*CCH[:-4], "--target", "0.9", "--answer-seconds", "20",
                 "--shrinkage", "0.3"]) == 0
    output = capsys.readouterr().out
    assert _figures(output)["Required agents"] == 15 and "22 scheduled" in output


def test_patience_switches_to_erlang_a_and_reports_abandonment(capsys):
    assert main([*CCH, "--patience-seconds", "60"]) == 0
    output = capsys.readouterr().out
    figures = _figures(output)
    assert "Erlang A" in output
    assert figures["Required agents"] <= 14
    assert 0 < figures["Abandonment"] < 20
    assert figures["Service level"] >= 80


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--target", "80"), ("--aht-seconds", "0"), ("--contacts", "-5"),
     ("--shrinkage", "1"), ("--patience-seconds", "0"), ("--max-occupancy", "1.5"),
     ("--contacts", "6.6e45")],
)
def test_bad_input_is_one_line_and_exit_code_two(capsys, flag, value):
    argv = [*CCH, flag, value]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and flag in lines[0] and "error" in lines[0]


def test_missing_number_is_an_argparse_error_with_exit_code_two():
    with pytest.raises(SystemExit) as stop:
        main(["erlang", "--contacts", "lots"])
    assert stop.value.code == 2
