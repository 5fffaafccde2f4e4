"""Erlang B and Extended Erlang B (with retrials) against the published Westbay examples."""

import csv
from pathlib import Path

import pytest

from scheduler.staffing import (
    erlang_b,
    extended_erlang_b,
    lines_for_blocking,
    max_traffic_for_blocking,
)

REPO = Path(__file__).resolve().parents[2]
ORACLES = REPO / ".." / "shared" / "data" / "staffing" / "erlang_oracles.csv"
# the models whose published rows are reproduced: the Erlang B family here, Erlang C rows
# in test_erlang.py, Erlang A rows in test_erlang_a.py (each filters the file by model)
TESTED_MODELS = {
    "erlang_b", "extended_erlang_b",
    "erlang_c", "erlang_c (simulated, transient days)",
    "erlang_a", "erlang_a (simulated, transient days)",
}


def _published_rows() -> list[dict]:
    """Every oracle row with a published value (the file is optional, as in the other tests)."""
    if not ORACLES.exists():
        pytest.skip(f"{ORACLES} not found")
    with ORACLES.open(newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["published_value"].strip()]


def _row(case_id: str) -> dict:
    """One published oracle row."""
    return next(r for r in _published_rows() if r["case_id"] == case_id)


def test_wb1_traffic_fifteen_lines_carry_at_one_percent_blocking():
    row = _row("WB-1")
    assert row["metric"] == "max_traffic_erlangs_for_blocking<=0.01"
    ours = max_traffic_for_blocking(int(row["agents"]), 0.01)
    assert ours == pytest.approx(float(row["published_value"]), abs=float(row["abs_tolerance"]))
    assert erlang_b(ours, 15) == pytest.approx(0.01, abs=1e-9)


def test_wb2_extended_erlang_b_lines_with_half_of_blocked_callers_retrying():
    row = _row("WB-2")
    assert row["metric"] == "min_lines_for_blocking<=0.03_traffic5.5_recall50pct"
    assert lines_for_blocking(5.5, 0.03, recall=0.5) == int(row["published_value"])
    # the retrials are what cost the eleventh line: plain Erlang B meets 3 % with ten
    assert lines_for_blocking(5.5, 0.03) == 10
    assert extended_erlang_b(5.5, 10, 0.5) > 0.03 > erlang_b(5.5, 10)


def test_extended_erlang_b_without_recall_is_erlang_b_and_retrials_only_add_blocking():
    for traffic, lines in [(5.5, 10), (40.0, 45), (0.5, 1)]:
        assert extended_erlang_b(traffic, lines, 0.0) == pytest.approx(erlang_b(traffic, lines))
        blocked = [extended_erlang_b(traffic, lines, r) for r in (0.0, 0.3, 0.6, 0.9)]
        assert blocked == sorted(blocked)


def test_every_published_oracle_row_has_a_test():
    untested = sorted({r["case_id"] for r in _published_rows()
                       if r["model"] not in TESTED_MODELS})
    assert untested == []


@pytest.mark.parametrize("bad", [(5.5, 0.0), (5.5, 1.0)])
def test_blocking_cap_must_be_a_probability(bad):
    with pytest.raises(ValueError, match="blocking cap"):
        lines_for_blocking(*bad)
