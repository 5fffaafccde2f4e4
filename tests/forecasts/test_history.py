"""Reading history: validation at the boundary, DST, resampling."""

from datetime import datetime
from io import StringIO

import numpy as np
import pandas as pd
import pytest

from forecasts.history import (
    MAX_REPORTED_PROBLEMS,
    HistoryError,
    history_from_records,
    read_history_csv,
    read_history_text,
    resample_history,
)

HEADER = "interval_start,client,channel,contacts,language,aht_seconds\n"
GOOD = "2026-11-02T08:00:00+02:00,acme,voice,5,fi,180\n"


def read(text: str) -> pd.DataFrame:
    """Read CSV text as an upload would be read."""
    return read_history_text(text)


def test_reads_the_canonical_frame(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(
        HEADER
        + "2026-11-02T08:30:00+02:00,acme,voice,7,fi,200\n"
        + GOOD
        + "2026-11-02T06:00:00Z,acme,Chat,0,,\n"
    )
    frame = read_history_csv(path)
    assert list(frame.columns) == ["interval_start", "client", "channel", "language", "queue",
                                   "contacts", "aht_seconds"]
    assert str(frame["interval_start"].dt.tz) == "UTC"
    assert frame["queue"].tolist() == ["acme-chat-fi", "acme-voice-fi", "acme-voice-fi"]
    assert frame["interval_start"].tolist() == [
        pd.Timestamp("2026-11-02 06:00", tz="UTC"),
        pd.Timestamp("2026-11-02 06:00", tz="UTC"),
        pd.Timestamp("2026-11-02 06:30", tz="UTC"),
    ]
    assert frame["contacts"].tolist() == [0, 5, 7]
    assert frame["contacts"].dtype == np.int64
    assert np.isnan(frame["aht_seconds"][0]) and frame["aht_seconds"][2] == 200.0


def test_optional_columns_may_be_absent():
    frame = read("interval_start,client,channel,contacts\n2026-11-02 08:00,acme,email,3\n")
    assert frame["language"].tolist() == ["fi"]
    assert frame["queue"].tolist() == ["acme-email-fi"]
    assert frame["interval_start"][0] == pd.Timestamp("2026-11-02 06:00", tz="UTC")
    assert np.isnan(frame["aht_seconds"][0])


@pytest.mark.parametrize(
    ("rows", "line", "column"),
    [
        ("2026-11-02 8 o'clock,acme,voice,5,fi,180\n", 3, "interval_start"),
        (",acme,voice,5,fi,180\n", 3, "interval_start"),
        ("2026-11-02T09:00:00+02:00,acme,voice,-1,fi,180\n", 3, "contacts"),
        ("2026-11-02T09:00:00+02:00,acme,voice,2.5,fi,180\n", 3, "contacts"),
        ("2026-11-02T09:00:00+02:00,acme,voice,many,fi,180\n", 3, "contacts"),
        ("2026-11-02T09:00:00+02:00,acme,voice,,fi,180\n", 3, "contacts"),
        ("2026-11-02T09:00:00+02:00,acme,fax,5,fi,180\n", 3, "channel"),
        ("2026-11-02T09:00:00+02:00,acme,voice,5,de,180\n", 3, "language"),
        ("2026-11-02T09:00:00+02:00,acme,voice,5,fi,0\n", 3, "aht_seconds"),
        ("2026-11-02T09:00:00+02:00,acme,voice,5,fi,-30\n", 3, "aht_seconds"),
        ("2026-11-02T09:00:00+02:00,,voice,5,fi,180\n", 3, "client"),
        ("2026-11-02T09:00:00+02:00,acme,voice,5,fi,1\n" + "2026-11-02T07:00:00Z,acme,voice,4,,2\n",
         4, "interval_start"),
    ],
)
def test_bad_rows_name_line_and_column(rows, line, column):
    with pytest.raises(HistoryError) as error:
        read(HEADER + GOOD + rows)
    message = str(error.value)
    assert f"line {line} (data row {line - 1})" in message
    assert f"column '{column}'" in message


def test_duplicate_names_both_rows():
    with pytest.raises(HistoryError, match=r"line 3 .*duplicate of line 2"):
        read(HEADER + GOOD + "2026-11-02T06:00:00Z,acme,voice,1,fi,100\n")


def test_missing_required_column_names_it():
    with pytest.raises(HistoryError, match=r"line 1 \(header\).*contacts"):
        read("interval_start,client,channel\n2026-11-02T08:00:00Z,acme,voice\n")


@pytest.mark.parametrize("text", ["", HEADER])
def test_empty_file(text):
    with pytest.raises(HistoryError, match="empty|no data rows"):
        read(text)


def test_history_error_is_a_value_error():
    assert issubclass(HistoryError, ValueError)


def _naive_csv(local_times: list[str]) -> str:
    """A naive-local-time CSV with one row per local wall-clock time, in file order."""
    return "interval_start,client,channel,contacts\n" + "".join(
        f"{t},acme,voice,{i}\n" for i, t in enumerate(local_times)
    )


def test_spring_forward_naive_local_times():
    # 2026-03-29 Helsinki: 03:00 EET jumps to 04:00 EEST (UTC+2 -> UTC+3)
    local = ["2026-03-29 01:30", "2026-03-29 02:00", "2026-03-29 02:30",
             "2026-03-29 04:00", "2026-03-29 04:30"]
    frame = read(_naive_csv(local))
    assert frame["interval_start"].dt.strftime("%H:%M").tolist() == [
        "23:30", "00:00", "00:30", "01:00", "01:30"]
    assert frame["interval_start"].diff().dropna().eq(pd.Timedelta(minutes=30)).all()


def test_skipped_spring_time_is_rejected():
    with pytest.raises(HistoryError, match=r"line 3 .*'interval_start'.*does not exist"):
        read(_naive_csv(["2026-03-29 02:30", "2026-03-29 03:00"]))


def test_fall_back_naive_local_times_in_file_order():
    # 2026-10-25 Helsinki: 04:00 EEST goes back to 03:00 EET; 03:00-03:59 happens twice
    local = ["2026-10-25 02:30", "2026-10-25 03:00", "2026-10-25 03:30",
             "2026-10-25 03:00", "2026-10-25 03:30", "2026-10-25 04:00"]
    frame = read(_naive_csv(local))
    assert frame["interval_start"].tolist() == list(
        pd.date_range("2026-10-24 23:30", periods=6, freq="30min", tz="UTC")
    )
    assert frame["contacts"].tolist() == [0, 1, 2, 3, 4, 5]  # file order kept
    with pytest.raises(HistoryError, match="duplicate"):
        read(_naive_csv(local[:4] + ["2026-10-25 03:00"]))


def test_records_from_a_database():
    rows = [
        {"interval_start": datetime(2026, 11, 2, 8, 0), "client": "acme", "channel": "chat",
         "language": "sv", "contacts": 4, "aht_seconds": 300.0},
        {"interval_start": pd.Timestamp("2026-11-02 06:30", tz="UTC"), "client": "acme",
         "channel": "chat", "language": "sv", "contacts": 0, "aht_seconds": None},
    ]
    frame = history_from_records(rows)
    assert frame["queue"].unique().tolist() == ["acme-chat-sv"]
    assert frame["interval_start"].dt.strftime("%H:%M").tolist() == ["06:00", "06:30"]
    with pytest.raises(HistoryError, match=r"record 2, column 'contacts'"):
        history_from_records([rows[0], {**rows[1], "contacts": -3}])


def test_resample_sums_contacts_and_weights_aht():
    text = HEADER + "".join([
        "2026-11-02T08:00:00+02:00,acme,voice,2,fi,100\n",
        "2026-11-02T08:15:00+02:00,acme,voice,6,fi,200\n",
        "2026-11-02T08:30:00+02:00,acme,voice,0,fi,\n",
        "2026-11-02T08:45:00+02:00,acme,voice,0,fi,\n",
    ])
    half_hours = resample_history(read(text), 30)
    assert half_hours["contacts"].tolist() == [8, 0]
    assert half_hours["aht_seconds"][0] == pytest.approx((2 * 100 + 6 * 200) / 8)
    assert np.isnan(half_hours["aht_seconds"][1])
    hours = resample_history(read(text), 60)
    assert hours["contacts"].tolist() == [8]
    with pytest.raises(ValueError, match="cannot split"):
        resample_history(hours.assign(interval_start=hours["interval_start"]).pipe(
            lambda f: pd.concat([f, f.assign(interval_start=f["interval_start"]
                                             + pd.Timedelta(hours=1))])), 30)


def test_reads_a_file_like_object():
    assert len(read_history_csv(StringIO(HEADER + GOOD))) == 1


def test_every_bad_cell_is_listed_in_line_order():
    rows = ("2026-11-02T08:30:00+02:00,acme,fax,-1,fi,180\n"  # line 3: channel and contacts
            "soon,acme,voice,5,fi,180\n"  # line 4
            + GOOD)  # line 5: a duplicate of line 2
    with pytest.raises(HistoryError) as error:
        read(HEADER + GOOD + rows)
    problems = error.value.problems
    assert error.value.total == 4 and len(problems) == 4
    assert [p.split(",")[0] for p in problems] == ["line 3 (data row 2)"] * 2 + [
        "line 4 (data row 3)", "line 5 (data row 4)"]
    assert "duplicate of line 2" in problems[3]
    assert str(error.value).startswith("4 problems in the history; the first: line 3")


def test_a_file_of_bad_rows_lists_the_first_ones_and_counts_all():
    bad = "2026-11-02T08:00:00+02:00,acme,voice,-1,fi,180\n"
    rows = "".join(bad.replace("08:00", f"{8 + i // 60:02d}:{i % 60:02d}")
                   for i in range(MAX_REPORTED_PROBLEMS + 50))
    with pytest.raises(HistoryError) as error:
        read(HEADER + rows)
    assert error.value.total == MAX_REPORTED_PROBLEMS + 50
    assert len(error.value.problems) == MAX_REPORTED_PROBLEMS
    assert error.value.problems[0].startswith("line 2 ")
