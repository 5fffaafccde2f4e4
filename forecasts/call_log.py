"""Read per-call logs (one row per call, the Anonymous Bank format) and count arrivals from them.

The format (Brown et al. 2005, "Statistical analysis of a telephone call center"; see
../shared/data/PROVENANCE.md) is tab-separated with a header of 17 columns:
`vru+line, call_id, customer_id, priority, type, date (YYMMDD), vru_entry, vru_exit,
vru_time, q_start, q_exit, q_time, outcome (AGENT/HANG/PHANTOM), ser_start, ser_exit,
ser_time, server`; times are local wall-clock `H:MM:SS`, durations whole seconds. A call
enters the voice-response unit (VRU) at `vru_entry`, may queue for an agent, and is served
(AGENT), hangs up (HANG) or was never a real call (PHANTOM). A few rows have a negative
`vru_time` (the VRU clock ran behind); analyses of this data drop them with the phantoms.
"""

from __future__ import annotations

from os import PathLike
from typing import IO

import numpy as np
import pandas as pd

from forecasts.history import HistoryError, history_from_records

CALL_LOG_COLUMNS = (
    "vru+line", "call_id", "customer_id", "priority", "type", "date", "vru_entry", "vru_exit",
    "vru_time", "q_start", "q_exit", "q_time", "outcome", "ser_start", "ser_exit", "ser_time",
    "server",
)
OUTCOMES = ("AGENT", "HANG", "PHANTOM")
_SECONDS = ("vru_time", "q_time", "ser_time")


class CallLogError(HistoryError):
    """A per-call log that cannot be read, with the line to fix."""


def read_call_log(source: str | PathLike | IO[str]) -> pd.DataFrame:
    """Every call of a log: its columns, plus `arrival` (vru_entry as a local timestamp).

    Seconds columns are integers, `date` a date; a bad row is reported by line number (the
    header is line 1) and nothing is returned.
    """
    try:
        raw = pd.read_csv(source, sep="\t", dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError as exc:
        raise CallLogError("the call log is empty") from exc
    except pd.errors.ParserError as exc:
        raise CallLogError(f"the call log is not tab-separated text: {exc}") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    if tuple(raw.columns) != CALL_LOG_COLUMNS:
        raise CallLogError(f"expected the columns {', '.join(CALL_LOG_COLUMNS)}; got "
                           f"{', '.join(raw.columns)}")
    calls = raw.apply(lambda column: column.str.strip())
    day = pd.to_datetime(calls["date"], format="%y%m%d", errors="coerce")
    _fail_at(day.isna() | ~calls["date"].str.fullmatch(r"\d{6}"), calls["date"], "date",
             "a date as YYMMDD")
    entry = pd.to_timedelta(calls["vru_entry"], errors="coerce")
    _fail_at(entry.isna() | (entry < pd.Timedelta(0)) | (entry >= pd.Timedelta(days=1)),
             calls["vru_entry"], "vru_entry", "a time as H:MM:SS")
    for column in _SECONDS:
        seconds = pd.to_numeric(calls[column], errors="coerce")
        _fail_at(seconds.isna() | (seconds != np.floor(seconds)), calls[column], column,
                 "whole seconds")
        calls[column] = seconds.astype(np.int64)
    _fail_at(~calls["outcome"].isin(OUTCOMES), calls["outcome"], "outcome",
             "AGENT, HANG or PHANTOM")
    calls["priority"] = pd.to_numeric(calls["priority"], errors="coerce")
    _fail_at(calls["priority"].isna(), raw["priority"], "priority", "0, 1 or 2")
    calls["date"] = day.dt.date
    calls["arrival"] = day + entry
    return calls


def real_calls(calls: pd.DataFrame) -> pd.DataFrame:
    """The calls that really arrived: PHANTOM calls and rows with a negative vru_time dropped."""
    return calls[(calls["outcome"] != "PHANTOM") & (calls["vru_time"] >= 0)]


def mean_hourly_arrivals(calls: pd.DataFrame, weekday: int) -> pd.Series:
    """Mean arrivals per local hour (0-23) over the days of the log on one weekday (Monday 0).

    Calls count in the hour they entered the VRU; the mean is over the distinct dates of that
    weekday in the log, so a day with no calls at all would not count.
    """
    on_day = calls[calls["arrival"].dt.day_of_week == weekday]
    days = on_day["date"].nunique()
    if days == 0:
        raise CallLogError(f"the call log has no calls on weekday {weekday}")
    counts = on_day["arrival"].dt.hour.value_counts().reindex(range(24), fill_value=0)
    return (counts / days).rename("arrivals_per_hour").rename_axis("hour")


def call_log_history(
    calls: pd.DataFrame,
    *,
    client: str,
    interval_minutes: int = 30,
    timezone: str = "Asia/Jerusalem",
    channel: str = "voice",
) -> pd.DataFrame:
    """The canonical history frame of a call log: arrivals and AHT per interval of its days.

    Every interval of each date in the log is present (0 where no call arrived); AHT is the
    mean `ser_time` of the calls served (AGENT) that arrived in the interval, NaN if none.
    """
    step = pd.Timedelta(minutes=interval_minutes)
    days = pd.to_datetime(sorted(set(calls["date"])))
    slots = pd.DatetimeIndex(
        [day + i * step for day in days for i in range(int(pd.Timedelta(days=1) / step))])
    start = calls["arrival"].dt.floor(step)
    contacts = start.value_counts().reindex(slots, fill_value=0)
    served = calls["outcome"] == "AGENT"
    aht = calls.loc[served, "ser_time"].groupby(start[served]).mean().reindex(slots)
    records = pd.DataFrame({
        "interval_start": slots, "client": client, "channel": channel,
        "contacts": contacts.to_numpy(), "aht_seconds": aht.to_numpy(),
    })
    return history_from_records(records, timezone=timezone)


def _fail_at(bad: pd.Series, values: pd.Series, column: str, expected: str) -> None:
    """Raise for the first bad row, by its line in the file."""
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise CallLogError(f"line {row + 2}, column {column}: expected {expected}, got "
                           f"{values.iloc[row]!r}")
