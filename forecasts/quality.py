"""Check a canonical history frame: interval length, missing intervals vs closed hours, outliers.

Nothing here changes or drops history: it reports, and the forecaster reads a missing
interval as 0 contacts whatever the report says. The report tells a coordinator what to fix.

- **Usual open hours** of a queue: the local weekday x time-of-day slots that had contacts on
  at least `OPEN_SHARE` of that weekday's days in the history.
- **Missing interval**: no row for an interval (of the history's own length) between a
  queue's first and last row, inside its usual open hours: probably lost data.
- **Closed interval**: no row outside the usual open hours: the usual way exports leave
  out closed hours.
- **Outlier**: an interval whose contacts are far from the median of the same weekday and
  time of day: |contacts - median| / scale > `OUTLIER_Z`, where scale is the larger of
  1.4826 x MAD (robust standard deviation) and sqrt(median + 1) (count noise), judged only
  where that slot was seen at least `MIN_OUTLIER_WEEKS` times. Public holidays and
  campaigns show up here too; they are flagged, not dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasts.history import history_interval_minutes

OPEN_SHARE = 0.5
OUTLIER_Z = 5.0
MIN_OUTLIER_WEEKS = 4
MAD_TO_SD = 1.4826  # MAD of a normal distribution x 1.4826 = its standard deviation
EXAMPLES = 3  # how many missing intervals and outliers a summary names


@dataclass(frozen=True)
class HistoryReport:
    """What a history holds and what looks wrong in it, per queue and interval."""

    interval_minutes: int
    queues: int
    rows: int
    missing: pd.DataFrame  # queue, interval_start: no row inside usual open hours
    closed_intervals: int  # no row outside usual open hours
    outliers: pd.DataFrame  # queue, interval_start, contacts, usual_contacts, z

    def summary(self, interval_minutes: int | None = None) -> list[str]:
        """Plain-language lines for the CLI; `interval_minutes` is what the forecast uses."""
        lines = [f"history: {self.rows:,} rows, {self.queues} queue(s), "
                 f"{self.interval_minutes}-minute intervals"
                 + (f", resampled to {interval_minutes}-minute"
                    if interval_minutes and interval_minutes != self.interval_minutes else "")]
        lines.append(f"history: {len(self.missing):,} missing interval(s) inside usual open "
                     f"hours (read as 0 contacts){_examples(self.missing)}; "
                     f"{self.closed_intervals:,} interval(s) without rows outside them (closed)")
        lines.append(f"history: {len(self.outliers):,} outlier interval(s) flagged, kept"
                     f"{_examples(self.outliers)}")
        return lines


def check_history(frame: pd.DataFrame, *, timezone: str = "Europe/Helsinki") -> HistoryReport:
    """Report the interval length, missing and closed intervals, and outliers of a history."""
    minutes = history_interval_minutes(frame)
    step = pd.Timedelta(minutes=minutes)
    missing, closed, outliers = [], 0, []
    for queue, rows in frame.groupby("queue", sort=True):
        starts = pd.DatetimeIndex(rows["interval_start"])
        grid = pd.date_range(starts.min(), starts.max(), freq=step)
        contacts = (rows.set_index("interval_start")["contacts"].reindex(grid)
                    .to_numpy(dtype=float))
        local = grid.tz_convert(timezone)
        weekday = local.day_of_week.to_numpy()
        slot = ((local.hour * 60 + local.minute) // minutes).to_numpy()
        key = weekday * (1440 // minutes) + slot
        day = local.tz_localize(None).normalize()
        days_per_weekday = pd.Series(day).groupby(weekday).nunique()
        busy = pd.Series(np.nan_to_num(contacts) > 0).groupby(key).sum()
        open_share = busy / days_per_weekday.reindex(busy.index // (1440 // minutes)).to_numpy()
        usually_open = open_share.reindex(key).to_numpy() >= OPEN_SHARE
        absent = np.isnan(contacts)
        missing.append(pd.DataFrame({"queue": queue,
                                     "interval_start": grid[absent & usually_open]}))
        closed += int((absent & ~usually_open).sum())
        outliers.append(_outliers(queue, grid, contacts, key))
    return HistoryReport(
        interval_minutes=minutes, queues=frame["queue"].nunique(), rows=len(frame),
        missing=pd.concat(missing, ignore_index=True), closed_intervals=closed,
        outliers=pd.concat(outliers, ignore_index=True),
    )


def _outliers(queue: str, grid: pd.DatetimeIndex, contacts: np.ndarray,
              key: np.ndarray) -> pd.DataFrame:
    """Intervals far from the median of their weekday x time-of-day slot."""
    seen = ~np.isnan(contacts)
    values = pd.Series(contacts[seen])
    groups = values.groupby(key[seen])
    median = groups.transform("median").to_numpy()
    mad = (values - median).abs().groupby(key[seen]).transform("median").to_numpy()
    count = groups.transform("size").to_numpy()
    scale = np.maximum(MAD_TO_SD * mad, np.sqrt(median + 1.0))
    z = (values.to_numpy() - median) / scale
    flagged = (np.abs(z) > OUTLIER_Z) & (count >= MIN_OUTLIER_WEEKS)
    return pd.DataFrame({
        "queue": queue, "interval_start": grid[seen][flagged],
        "contacts": values.to_numpy()[flagged].astype(np.int64),
        "usual_contacts": median[flagged], "z": z[flagged],
    })


def _examples(table: pd.DataFrame) -> str:
    """' (e.g. queue at time, ...)' naming the first few rows, or ''."""
    if table.empty:
        return ""
    named = [f"{row.queue} {row.interval_start:%Y-%m-%d %H:%M}Z"
             for row in table.head(EXAMPLES).itertuples()]
    return f" (e.g. {', '.join(named)}{', ...' if len(table) > EXAMPLES else ''})"
