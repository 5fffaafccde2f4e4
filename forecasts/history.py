"""Read, validate and reshape contact history: the only code that knows the history columns.

The canonical history frame has one row per queue and interval:
`interval_start` (tz-aware UTC), `client`, `channel`, `language`, `queue`, `contacts` (int),
`aht_seconds` (float, NaN when unknown), sorted by queue and interval_start.

Timestamps are ISO 8601. With an offset (`2026-10-25T03:00:00+03:00`, or `Z`) they are exact.
Without one they are local wall-clock times in `timezone`:
- a time skipped by the spring change (03:00-03:59 on the last Sunday of March in Helsinki)
  does not exist and is rejected;
- a time repeated by the autumn change (03:00-03:59 on the last Sunday of October) is
  ambiguous. We read it the way exporters write it, in chronological order: the first row
  of a queue with that wall-clock time is the first occurrence (summer time, EEST), the
  second row is the second occurrence (winter time, EET); a single row is taken as the first
  occurrence, and a third row is a duplicate.

Rows are numbered as a user sees them in a spreadsheet: the header is line 1, the first
data row is line 2 ("line 2 (data row 1)" in error messages).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from io import StringIO
from os import PathLike
from typing import IO
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from scheduler.domain import CHANNELS, LANGUAGES, queue_key

REQUIRED_COLUMNS = ("interval_start", "client", "channel", "contacts")
OPTIONAL_COLUMNS = ("language", "aht_seconds")
DEFAULT_LANGUAGE = "fi"
CANONICAL_COLUMNS = (
    "interval_start", "client", "channel", "language", "queue", "contacts", "aht_seconds",
)
INTERVAL_CHOICES = (15, 30, 60)
# Beyond these a cell is a typo or a unit mix-up, and a count past 2**63 would silently wrap.
MAX_CONTACTS_PER_INTERVAL = 10_000_000
MAX_AHT_SECONDS = 86_400


MAX_REPORTED_PROBLEMS = 200  # a file with more bad cells lists this many, and counts the rest


class HistoryError(ValueError):
    """History input that cannot be used, with the line and column to fix.

    `problems` lists every bad cell found (up to MAX_REPORTED_PROBLEMS, in line order), so a
    coordinator can fix a file in one go; `total` counts them all. The message names the first.
    """

    def __init__(self, message: str, problems: tuple[str, ...] = (), total: int = 0) -> None:
        super().__init__(message)
        self.problems = problems or (message,)
        self.total = max(total, len(self.problems))


class _Problems:
    """Bad cells of a history frame, collected check by check instead of stopping at the first."""

    def __init__(self, where) -> None:  # noqa: ANN001
        self._where = where
        self._found: list[tuple[int, int, str]] = []  # (row, check order, message)
        self.total = 0

    def flag(self, bad, column: str, problem) -> None:  # noqa: ANN001
        """Record `problem(i)` for every row i flagged in `bad` (messages for the first few)."""
        rows = np.flatnonzero(np.asarray(bad, dtype=bool))
        self.total += rows.size
        for i in rows[:MAX_REPORTED_PROBLEMS]:
            self.add(int(i), column, problem(int(i)), counted=True)

    def add(self, i: int, column: str, problem: str, *, counted: bool = False) -> None:
        """Record one bad cell."""
        if not counted:
            self.total += 1
        self._found.append((i, len(self._found), f"{self._where(i)}, column '{column}': {problem}"))

    def raise_any(self) -> None:
        """Raise one HistoryError listing every problem found so far, in line order."""
        if not self._found:
            return
        ordered = tuple(m for _, _, m in sorted(self._found))[:MAX_REPORTED_PROBLEMS]
        message = ordered[0] if self.total == 1 else (
            f"{self.total} problems in the history; the first: {ordered[0]}")
        raise HistoryError(message, ordered, self.total)


def read_history_csv(
    source: str | PathLike | IO[str], *, timezone: str = "Europe/Helsinki"
) -> pd.DataFrame:
    """Read a history CSV (path or text stream) into the canonical history frame."""
    try:
        raw = pd.read_csv(source, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError as exc:
        raise HistoryError("the history file is empty") from exc
    except pd.errors.ParserError as exc:
        raise HistoryError(f"the history file is not valid CSV: {exc}") from exc
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    return _canonical(raw, timezone, lambda i: f"line {i + 2} (data row {i + 1})")


def read_history_text(text: str, *, timezone: str = "Europe/Helsinki") -> pd.DataFrame:
    """Read history CSV held in a string (an upload) into the canonical history frame."""
    return read_history_csv(StringIO(text), timezone=timezone)


def history_from_records(
    records: Iterable[Mapping[str, object]] | pd.DataFrame, *, timezone: str = "Europe/Helsinki"
) -> pd.DataFrame:
    """Build the canonical history frame from rows held elsewhere (e.g. database rows).

    Each record has the CSV's columns; interval_start may also be a datetime (naive = local).
    """
    frame = records.copy() if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
    if frame.empty and len(frame.columns) == 0:
        raise HistoryError("no history records")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return _canonical(frame, timezone, lambda i: f"record {i + 1}")


def empty_history() -> pd.DataFrame:
    """A canonical history frame with no rows."""
    return pd.DataFrame(
        {
            "interval_start": pd.Series([], dtype="datetime64[ns, UTC]"),
            "client": pd.Series([], dtype=object),
            "channel": pd.Series([], dtype=object),
            "language": pd.Series([], dtype=object),
            "queue": pd.Series([], dtype=object),
            "contacts": pd.Series([], dtype=np.int64),
            "aht_seconds": pd.Series([], dtype=float),
        }
    )


def history_interval_minutes(frame: pd.DataFrame) -> int:
    """The finest spacing between consecutive intervals of any queue, in minutes."""
    ordered = frame if _is_canonical_order(frame) else _sorted(frame)
    starts = _nanoseconds(ordered["interval_start"])
    queues = ordered["queue"].to_numpy()
    steps = np.diff(starts)[queues[1:] == queues[:-1]]
    steps = steps[steps > 0]
    if steps.size == 0:
        raise ValueError("cannot tell the history's interval length from fewer than two rows")
    return int(steps.min() // 60_000_000_000)


def resample_history(frame: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    """Aggregate canonical history to 15/30/60-minute intervals (contacts summed, AHT weighted).

    Any finer history whose intervals add up to `interval_minutes` works: 5-, 6-, 10-, 15-
    or 30-minute data. Raises ValueError when the history is coarser than `interval_minutes`
    or its intervals do not divide it (6-minute data into 15-minute intervals).
    """
    if interval_minutes not in INTERVAL_CHOICES:
        raise ValueError(f"interval_minutes must be one of {INTERVAL_CHOICES}")
    if frame.empty:
        return empty_history()
    if len(frame) > 1 and frame.groupby("queue").size().max() > 1:
        have = history_interval_minutes(frame)
        if have > interval_minutes:
            raise ValueError(
                f"history has {have}-minute intervals; cannot split them into {interval_minutes}"
            )
        if interval_minutes % have:  # e.g. 6-minute slots straddle quarter hours
            fits = [str(m) for m in INTERVAL_CHOICES if m % have == 0]
            raise ValueError(
                f"history has {have}-minute intervals, which do not add up to "
                f"{interval_minutes}-minute ones; "
                + (f"choose {' or '.join(fits)} minutes" if fits else "resample it first")
            )
    floored = frame["interval_start"].dt.floor(f"{interval_minutes}min")
    if (floored == frame["interval_start"]).all():
        return frame  # already on the grid: a canonical frame has one row per interval
    work = frame.copy()
    # Helsinki's offsets are whole hours, so flooring in UTC equals flooring in local time.
    work["interval_start"] = floored
    known = work["aht_seconds"].notna() & (work["contacts"] > 0)
    work["_handled"] = np.where(known, work["contacts"] * work["aht_seconds"], 0.0)
    work["_weight"] = np.where(known, work["contacts"], 0)
    keys = ["queue", "interval_start", "client", "channel", "language"]
    out = work.groupby(keys, sort=False, as_index=False).agg(
        contacts=("contacts", "sum"), _handled=("_handled", "sum"), _weight=("_weight", "sum")
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        out["aht_seconds"] = np.where(out["_weight"] > 0, out["_handled"] / out["_weight"], np.nan)
    out["contacts"] = out["contacts"].astype(np.int64)
    return _sorted(out[list(CANONICAL_COLUMNS)])


def _canonical(raw: pd.DataFrame, timezone: str, where) -> pd.DataFrame:
    """Validate raw rows (strings or values) and return the canonical frame."""
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise HistoryError(
            f"line 1 (header): missing required column(s) {', '.join(missing)}; "
            f"expected {', '.join(REQUIRED_COLUMNS)} and optionally {', '.join(OPTIONAL_COLUMNS)}"
        )
    if raw.empty:
        raise HistoryError("the history has a header but no data rows")
    n = len(raw)
    raw = raw.reset_index(drop=True)
    _refuse_implausible_numbers(raw, where)

    # Every check runs on the distinct cells of a column, not on each row: imports have
    # millions of rows but few distinct clients, channels, counts or handle times. Each check
    # flags every bad row, so one upload reports all its problems, not just the first.
    problems = _Problems(where)
    client_codes, client_texts = _distinct_texts(raw["client"])
    problems.flag((client_texts == "")[client_codes], "client", lambda i: "client is empty")
    channel_codes, channel_texts = _distinct_texts(raw["channel"], lower=True)
    problems.flag(~np.isin(channel_texts, CHANNELS)[channel_codes], "channel", lambda i: (
        f"{channel_texts[channel_codes[i]]!r} is not one of {', '.join(CHANNELS)}"))
    if "language" in raw.columns:
        language_codes, language_texts = _distinct_texts(raw["language"], lower=True)
        language_texts[language_texts == ""] = DEFAULT_LANGUAGE
    else:
        language_codes, language_texts = np.zeros(n, dtype=np.intp), np.array([DEFAULT_LANGUAGE])
    problems.flag(~np.isin(language_texts, LANGUAGES)[language_codes], "language", lambda i: (
        f"{language_texts[language_codes[i]]!r} is not one of {', '.join(LANGUAGES)}"))
    contact_codes, contact_texts = _distinct_texts(raw["contacts"])
    distinct_numbers = pd.to_numeric(pd.Series(contact_texts), errors="coerce").to_numpy(
        float, copy=True)
    with np.errstate(invalid="ignore"):
        distinct_ok = (np.isfinite(distinct_numbers) & (distinct_numbers >= 0)
                       & (distinct_numbers == np.round(distinct_numbers)))
    problems.flag(~distinct_ok[contact_codes], "contacts",
                  lambda i: _contacts_problem(contact_texts[contact_codes[i]]))
    contacts = np.where(distinct_ok, distinct_numbers, 0)[contact_codes].astype(np.int64)
    if "aht_seconds" in raw.columns:
        aht_codes, aht_texts = _distinct_texts(raw["aht_seconds"])
        distinct_aht = pd.to_numeric(pd.Series(aht_texts), errors="coerce").to_numpy(
            float, copy=True)
        blank = aht_texts == ""
        with np.errstate(invalid="ignore"):
            distinct_ok = blank | (np.isfinite(distinct_aht) & (distinct_aht > 0))
        problems.flag(~distinct_ok[aht_codes], "aht_seconds", lambda i: (
            f"{aht_texts[aht_codes[i]]!r} must be a positive number of seconds"))
        distinct_aht[blank] = np.nan
        aht = distinct_aht[aht_codes]
    else:
        aht = np.full(n, np.nan)
    clients = client_texts[client_codes]
    channels = channel_texts[channel_codes]
    languages = language_texts[language_codes]
    # one key per distinct (client, channel, language)
    combined = (client_codes.astype(np.int64) * len(channel_texts) + channel_codes) * len(
        language_texts) + language_codes
    codes, distinct = pd.factorize(combined)
    first_rows = np.zeros(len(distinct), dtype=np.intp)
    first_rows[codes[::-1]] = np.arange(n)[::-1]
    keys = np.array([queue_key(clients[r], channels[r], languages[r]) for r in first_rows],
                    dtype=object)
    queues = keys[codes]
    starts = _timestamps(raw["interval_start"], queues, ZoneInfo(timezone),
                         lambda bad, p: problems.flag(bad, "interval_start", lambda i: p))

    frame = pd.DataFrame(
        {
            "interval_start": starts,
            "client": clients,
            "channel": channels,
            "language": languages,
            "queue": queues,
            "contacts": contacts,
            "aht_seconds": aht,
        }
    )
    readable = frame["interval_start"].notna().to_numpy()
    dup = readable & frame.duplicated(["interval_start", "queue"], keep="first").to_numpy()
    if dup.any():
        first_of = frame.groupby(["interval_start", "queue"], sort=False).cumcount()
        firsts = frame[first_of == 0].reset_index().set_index(["interval_start", "queue"])["index"]

        def duplicate(i: int) -> str:
            first = int(firsts.loc[(frame.at[i, "interval_start"], queues[i])])
            return (f"duplicate of {where(first)}: queue {queues[i]} at "
                    f"{frame.at[i, 'interval_start'].isoformat()} appears twice")

        problems.flag(dup, "interval_start", duplicate)
    problems.raise_any()
    return _sorted(frame)


def _refuse_implausible_numbers(raw: pd.DataFrame, where) -> None:  # noqa: ANN001
    """Refuse contacts or handle times too large to be real, naming the first such cell."""
    for column, limit, unit in (("contacts", MAX_CONTACTS_PER_INTERVAL, "contacts"),
                                ("aht_seconds", MAX_AHT_SECONDS, "seconds")):
        if column not in raw.columns:
            continue
        codes, uniques = pd.factorize(raw[column].reset_index(drop=True))
        numbers = pd.to_numeric(pd.Series(uniques, dtype=object).astype(str).str.strip(),
                                errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            too_large = np.isfinite(numbers) & (numbers > limit)
        bad = np.flatnonzero(too_large[codes]) if too_large.any() else ()
        if len(bad):
            i = int(bad[0])
            raise HistoryError(
                f"{where(i)}, column '{column}': {str(uniques[codes[i]]).strip()!r} is more than "
                f"{limit:,} {unit} in one interval"
            )


def _is_canonical_order(frame: pd.DataFrame) -> bool:
    """Whether rows are already grouped by queue (in order) and in time order within each."""
    queues = frame["queue"].to_numpy()
    starts = _nanoseconds(frame["interval_start"])
    same = queues[1:] == queues[:-1]
    return bool(((queues[1:] > queues[:-1]) | (same & (starts[1:] > starts[:-1]))).all())


def _nanoseconds(starts: pd.Series) -> np.ndarray:
    """UTC interval starts as int64 nanoseconds since the epoch."""
    return pd.DatetimeIndex(starts).as_unit("ns").asi8


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical order: queue, then time."""
    return frame.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)


def _distinct_texts(column: pd.Series, *, lower: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Codes per row and the distinct cells as stripped text ('' for missing): texts[codes]."""
    codes, uniques = pd.factorize(column.reset_index(drop=True), use_na_sentinel=True)
    texts = [str(u).strip() for u in uniques] + [""]  # code -1 (missing) is the last one
    return codes, np.array([t.lower() for t in texts] if lower else texts, dtype=object)


def _texts(column: pd.Series) -> pd.Series:
    """Cells as stripped text ('' for missing), indexed 0..n-1."""
    codes, texts = _distinct_texts(column)
    return pd.Series(texts[codes], dtype=object)


def _contacts_problem(text: str) -> str:
    """Why a contacts cell is not a non-negative whole number."""
    if not text:
        return "contacts is empty"
    try:
        number = float(text)
    except ValueError:
        return f"{text!r} is not a number"
    if not math.isfinite(number) or number != int(number):
        return f"{text!r} is not a whole number"
    return f"{text!r} is negative"


def _timestamps(values: pd.Series, queues: np.ndarray, zone: ZoneInfo, fail) -> pd.Series:
    """Parse interval starts to UTC, resolving the autumn repeated hour in file order.

    `fail(rows, problem)` is told of each unreadable value and the rows that hold it; those
    rows get NaT.
    """
    codes, uniques = pd.factorize(values.reset_index(drop=True), use_na_sentinel=False)
    first = np.empty(len(uniques), dtype="datetime64[ns]")
    second = np.empty(len(uniques), dtype="datetime64[ns]")
    for u, value in enumerate(uniques):
        moment = _parse_instant(value)
        if isinstance(moment, str):
            fail(codes == u, moment)
            first[u] = second[u] = np.datetime64("NaT")
            continue
        if moment.tzinfo is not None:
            early = late = moment.astimezone(UTC)
        else:
            early = moment.replace(tzinfo=zone, fold=0).astimezone(UTC)
            late = moment.replace(tzinfo=zone, fold=1).astimezone(UTC)
            if early.astimezone(zone).replace(tzinfo=None) != moment:
                fail(codes == u, f"{_texts(pd.Series([value]))[0]!r} does not exist in "
                     f"{zone.key} (the clocks skip it)")
                first[u] = second[u] = np.datetime64("NaT")
                continue
        first[u] = np.datetime64(early.replace(tzinfo=None), "ns")
        second[u] = np.datetime64(late.replace(tzinfo=None), "ns")
    out = first[codes]
    readable = ~np.isnat(first[codes])
    ambiguous = np.flatnonzero(readable & (first[codes] != second[codes]))
    if ambiguous.size:
        occurrence = pd.DataFrame({"q": queues[ambiguous], "c": codes[ambiguous]}).groupby(
            ["q", "c"]).cumcount().to_numpy()
        later = ambiguous[occurrence >= 1]
        out[later] = second[codes[later]]
    return pd.Series(pd.DatetimeIndex(out).tz_localize(UTC))


def _parse_instant(value: object) -> datetime | str:
    """A datetime (naive = local), or the reason it cannot be read."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, datetime):
        return value
    text = "" if pd.isna(value) else str(value).strip()
    if not text:
        return "interval_start is empty"
    try:
        return datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        return f"{text!r} is not an ISO 8601 date-time"
