"""Done-when 1: the MTPA February-1999 staffing vector, end to end from the raw calls.

Miller (2015), ch. 6, on the Anonymous Bank's February 1999 call log: drop PHANTOM calls and
rows with a negative vru_time, count arrivals by the hour of vru_entry over the month's four
Wednesdays and divide by four, then Erlang C with 15 calls per agent-hour: the smallest N
whose probability of waiting is at most 0.5 (../shared/data/PROVENANCE.md).
"""

import csv
from pathlib import Path

import pytest

from forecasts.call_log import mean_hourly_arrivals, read_call_log, real_calls
from scheduler.staffing import agents_for_wait_probability

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
FEBRUARY = DATA / "forecasting" / "anonymous_bank_1999" / "1999-02_february.txt"
PUBLISHED = DATA / "staffing" / "mtpa_anonymous_bank_feb1999_wednesday_staffing.csv"
WEDNESDAY = 2
CALLS_PER_AGENT_HOUR = 15
MAX_WAIT_PROBABILITY = 0.5
# the vector as Miller prints it (PROVENANCE.md), hours 00-23
MTPA_VECTOR = [1, 1, 1, 0, 1, 1, 1, 4, 8, 9, 10, 9, 8, 16, 10, 10, 6, 7, 8, 8, 6, 6, 5, 4]


@pytest.fixture(scope="module")
def wednesdays():
    """Mean arrivals per hour over February 1999's Wednesdays, from the raw call log."""
    if not FEBRUARY.exists():
        pytest.skip(f"{FEBRUARY} not found")
    calls = real_calls(read_call_log(FEBRUARY))
    assert sorted({d.day for d in calls["date"] if d.weekday() == WEDNESDAY}) == [3, 10, 17, 24]
    return mean_hourly_arrivals(calls, WEDNESDAY)


def test_staffing_vector_from_the_raw_february_calls(wednesdays):
    ours = [agents_for_wait_probability(rate / CALLS_PER_AGENT_HOUR, MAX_WAIT_PROBABILITY)
            for rate in wednesdays]
    assert ours == MTPA_VECTOR


def test_hourly_arrivals_match_the_published_counts(wednesdays):
    if not PUBLISHED.exists():
        pytest.skip(f"{PUBLISHED} not found")
    with PUBLISHED.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [round(rate * 4) for rate in wednesdays] == [int(r["calls_on_4_wednesdays"])
                                                        for r in rows]
    assert [int(r["servers_needed_published"]) for r in rows] == MTPA_VECTOR


def test_phantoms_and_clock_errors_are_what_is_dropped():
    if not FEBRUARY.exists():
        pytest.skip(f"{FEBRUARY} not found")
    calls = read_call_log(FEBRUARY)
    kept = real_calls(calls)
    assert len(calls) == 33344
    assert (kept["outcome"] != "PHANTOM").all() and (kept["vru_time"] >= 0).all()
    assert len(calls) - len(kept) == (calls["outcome"] == "PHANTOM").sum() + (
        (calls["outcome"] != "PHANTOM") & (calls["vru_time"] < 0)).sum()
