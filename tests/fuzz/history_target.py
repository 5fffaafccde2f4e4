"""The history CSV reader under generated input: it reads the file faithfully or says where not."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation

from forecasts.history import HistoryError, read_history_text

from .csv_inputs import CLEAR_ERROR
from .outcomes import ACCEPTED, REFUSED, SERVER_ERROR, UNCLEAR_ERROR, WRONG_DATA, Outcome


def _sent_contacts(text: str) -> tuple[int, int] | None:
    """Data rows and total contacts of a CSV, read independently (None if unreadable here)."""
    try:
        records = list(csv.reader(io.StringIO(text), skipinitialspace=True))
    except csv.Error:
        return None
    if not records:
        return None
    header = [h.strip().lower() for h in records[0]]
    if "contacts" not in header:
        return None
    at = header.index("contacts")
    rows = [r for r in records[1:] if r and any(cell.strip() for cell in r)]
    try:
        total = sum(int(Decimal(r[at].strip())) for r in rows)
    except (IndexError, InvalidOperation, ValueError):
        return None
    return len(rows), total


def check_history_text(text: str) -> Outcome:
    """Read `text` as history; a refusal must name its place, an acceptance must be exact."""
    try:
        frame = read_history_text(text)
    except HistoryError as error:
        if CLEAR_ERROR.search(str(error)):
            return Outcome(REFUSED)
        return Outcome(UNCLEAR_ERROR, str(error)[:200])
    except Exception as error:  # noqa: BLE001  (a crash is what we are looking for)
        return Outcome(SERVER_ERROR, f"{type(error).__name__}: {error}"[:200])
    sent = _sent_contacts(text)
    if sent is not None and sent != (len(frame), int(frame["contacts"].sum())):
        return Outcome(WRONG_DATA, f"sent {sent} (rows, contacts), read "
                                   f"{(len(frame), int(frame['contacts'].sum()))}")
    if frame["interval_start"].dt.tz is None or (frame["contacts"] < 0).any():
        return Outcome(WRONG_DATA, "instants must be aware and contacts non-negative")
    if frame.duplicated(["queue", "interval_start"]).any():
        return Outcome(WRONG_DATA, "a queue's interval appears twice")
    return Outcome(ACCEPTED)


def check_history_bytes(data: bytes) -> Outcome:
    """Uploaded bytes decoded leniently (the upload refuses non-UTF-8; the reader sees text)."""
    return check_history_text(data.decode("utf-8-sig", errors="replace"))
