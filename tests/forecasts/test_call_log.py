"""Per-call logs in the Anonymous Bank format: read, validated by line, counted into history."""

import io

import pytest

from forecasts.call_log import (
    CALL_LOG_COLUMNS,
    CallLogError,
    call_log_history,
    mean_hourly_arrivals,
    read_call_log,
    real_calls,
)

HEADER = "\t".join(CALL_LOG_COLUMNS)
ROWS = [
    "AA0101\t1\t0\t0\tPS\t990203\t7:02:47\t7:02:56\t9\t0:00:00\t0:00:00\t0\tAGENT\t7:02:55\t"
    "7:05:41\t166\tDORIT",
    "AA0101\t2\t0\t2\tPS\t990203\t7:31:45\t7:31:55\t10\t7:31:55\t7:32:05\t10\tHANG\t0:00:00\t"
    "0:00:00\t0\tNO_SERVER",
    "AA0101\t3\t0\t0\tPS\t990203\t7:40:00\t7:39:00\t-60\t7:39:00\t7:39:00\t0\tAGENT\t7:39:00\t"
    "7:41:00\t120\tTOVA",
    "AA0101\t4\t0\t0\tPS\t990203\t8:10:00\t8:10:05\t5\t0:00:00\t0:00:00\t0\tPHANTOM\t0:00:00\t"
    "0:00:00\t0\tNO_SERVER",
    "AA0101\t5\t0\t0\tPS\t990210\t8:15:00\t8:15:05\t5\t0:00:00\t0:00:00\t0\tAGENT\t8:15:05\t"
    "8:18:05\t180\tTOVA",
]


def _log(rows=ROWS, header=HEADER) -> io.StringIO:
    """A call log in memory, with CRLF line ends as the published files have."""
    return io.StringIO("\r\n".join([header, *rows]) + "\r\n")


def test_reads_calls_with_typed_columns_and_arrival_instants():
    calls = read_call_log(_log())
    assert len(calls) == 5
    assert calls["vru_time"].tolist() == [9, 10, -60, 5, 5]
    assert str(calls["arrival"].iloc[0]) == "1999-02-03 07:02:47"
    kept = real_calls(calls)
    assert kept["call_id"].tolist() == ["1", "2", "5"]  # clock error and phantom dropped


def test_mean_hourly_arrivals_averages_over_the_weekdays_in_the_log():
    rate = mean_hourly_arrivals(real_calls(read_call_log(_log())), weekday=2)
    assert rate[7] == 1.0 and rate[8] == 0.5 and rate.sum() == 1.5  # two Wednesdays
    with pytest.raises(CallLogError, match="no calls on weekday 4"):
        mean_hourly_arrivals(read_call_log(_log()), weekday=4)


def test_call_log_history_is_a_canonical_history_frame():
    history = call_log_history(real_calls(read_call_log(_log())), client="bank",
                               interval_minutes=60)
    assert len(history) == 2 * 24  # every hour of both days in the log
    assert history["queue"].unique().tolist() == ["bank-voice-fi"]
    seven = history[history["interval_start"] == "1999-02-03T05:00:00Z"]  # 07:00 in Israel
    assert seven["contacts"].item() == 2 and seven["aht_seconds"].item() == 166.0


@pytest.mark.parametrize(("row", "message"), [
    (ROWS[0].replace("990203", "99023"), "line 2, column date: expected a date as YYMMDD"),
    (ROWS[0].replace("7:02:47", "7h02"), "line 2, column vru_entry: expected a time"),
    (ROWS[0].replace("\t166\t", "\t16.5\t"), "line 2, column ser_time: expected whole seconds"),
    (ROWS[0].replace("AGENT", "LOST"), "line 2, column outcome: expected AGENT, HANG or"),
])
def test_a_bad_row_is_reported_by_line_and_column(row, message):
    with pytest.raises(CallLogError, match=message):
        read_call_log(_log([row, *ROWS[1:]]))


def test_wrong_columns_are_refused():
    with pytest.raises(CallLogError, match="expected the columns vru\\+line, call_id"):
        read_call_log(_log(header=HEADER.replace("vru_entry", "entry")))
    with pytest.raises(CallLogError, match="empty"):
        read_call_log(io.StringIO(""))
