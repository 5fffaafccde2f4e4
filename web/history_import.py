"""Import a contact-history CSV into the database: all rows or none, newer rows replacing older."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import delete, insert, tuple_
from sqlmodel import Session, col, select

from forecasts.history import HistoryError, history_interval_minutes, read_history_text
from forecasts.history import resample_history as resample
from forecasts.quality import check_history
from web import models as m

STORED_INTERVAL_MINUTES = 30


@dataclass(frozen=True)
class ImportReport:
    """What an import did, for the coordinator."""

    rows: int
    queues: tuple[str, ...]
    first: pd.Timestamp
    last: pd.Timestamp
    replaced: int
    source_interval_minutes: int
    quality: tuple[str, ...] = ()  # missing intervals and outliers, in words (forecasts.quality)


def import_history_csv(session: Session, text: str) -> ImportReport:
    """Validate a CSV upload and store it at 30 minutes (the caller commits; nothing on error).

    Rows for intervals already stored replace them, so a corrected export can be re-imported.
    """
    frame = read_history_text(text)
    if frame.empty:
        raise HistoryError("the history file has no data rows")
    queue_ids = {q.key: q.id for q in session.exec(select(m.Queue))}
    unknown = sorted(set(frame["queue"]) - set(queue_ids))
    if unknown:
        raise HistoryError(
            f"no such queue configured: {', '.join(unknown)} "
            "(client-channel-language must match a queue)"
        )
    try:
        source_minutes = history_interval_minutes(frame)
    except ValueError:  # one row per queue: nothing tells the interval; take it as stored
        source_minutes = STORED_INTERVAL_MINUTES
    try:
        quality = tuple(check_history(frame).summary(STORED_INTERVAL_MINUTES))
    except ValueError:  # a single row per queue: nothing to judge
        quality = ()
    if source_minutes < STORED_INTERVAL_MINUTES:
        try:
            frame = resample(frame, STORED_INTERVAL_MINUTES)
        except ValueError as error:  # e.g. 20-minute intervals do not add up to 30
            raise HistoryError(f"column 'interval_start': {error}") from error
    elif source_minutes > STORED_INTERVAL_MINUTES:
        raise HistoryError(
            f"history comes in {source_minutes}-minute intervals; "
            f"{STORED_INTERVAL_MINUTES}-minute or finer is needed"
        )
    rows = [
        {
            "queue_id": queue_ids[queue],
            "interval_start": start.to_pydatetime(),
            "interval_minutes": STORED_INTERVAL_MINUTES,
            "contacts": int(contacts),
            "aht_seconds": None if pd.isna(aht) else float(aht),
        }
        for queue, start, contacts, aht in zip(
            frame["queue"], frame["interval_start"], frame["contacts"], frame["aht_seconds"],
            strict=True,
        )
    ]
    keys = [(r["queue_id"], r["interval_start"]) for r in rows]
    replaced = 0
    for first in range(0, len(keys), 500):
        chunk = keys[first : first + 500]
        result = session.execute(
            delete(m.ContactHistory).where(
                tuple_(col(m.ContactHistory.queue_id), col(m.ContactHistory.interval_start)).in_(
                    chunk
                )
            )
        )
        replaced += result.rowcount or 0
    for first in range(0, len(rows), 20_000):
        session.execute(insert(m.ContactHistory), rows[first : first + 20_000])
    return ImportReport(
        rows=len(rows),
        queues=tuple(sorted(set(frame["queue"]))),
        first=frame["interval_start"].min(),
        last=frame["interval_start"].max(),
        replaced=replaced,
        source_interval_minutes=source_minutes,
        quality=quality,
    )
