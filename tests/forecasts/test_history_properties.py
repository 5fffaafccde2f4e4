"""Property tests (hypothesis) on the history CSV reader: generated and mutated files are read
exactly, or refused with a HistoryError that says which line and column (or what about the
file) is wrong; nothing else ever escapes. `python -m tests.fuzz` runs thousands more."""

from __future__ import annotations

import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecasts.history import HistoryError, read_history_text
from tests.fuzz.csv_inputs import history_rows, mutated_history_csv
from tests.fuzz.history_target import check_history_bytes, check_history_text

SETTINGS = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@settings(SETTINGS, max_examples=120)
@given(mutated_history_csv())
def test_any_file_is_read_exactly_or_refused_saying_where(data: bytes) -> None:
    """Mutated exports never crash the reader, never read wrong, never refuse vaguely."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # an overflow would warn, then corrupt
        outcome = check_history_bytes(data)
    assert not outcome.failed, f"{outcome.kind}: {outcome.detail}"


@settings(SETTINGS, max_examples=40)
@given(history_rows(), st.data())
def test_a_valid_file_is_accepted_and_one_bad_cell_is_named(rows, data) -> None:  # noqa: ANN001
    """A clean export reads back whole; spoiling one cell is refused naming that line."""
    header = "interval_start,client,channel,language,contacts,aht_seconds\n"
    text = header + "".join(",".join(row) + "\n" for row in rows)
    assert check_history_text(text).kind == "accepted"
    spoiled = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.sampled_from(["channel", "contacts", "language"]))
    bad = {"channel": "fax", "contacts": "-1", "language": "klingon"}[column]
    rows[spoiled][("interval_start", "client", "channel", "language", "contacts").index(column)] \
        = bad
    try:
        read_history_text(header + "".join(",".join(row) + "\n" for row in rows))
    except HistoryError as error:
        assert f"line {spoiled + 2} " in str(error) and f"column '{column}'" in str(error)
    else:
        raise AssertionError("a spoiled cell must be refused")
