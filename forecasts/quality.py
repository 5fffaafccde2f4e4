"""Check a canonical history frame: interval length, missing intervals vs closed hours, outliers.

Nothing here changes or drops history: it reports what the forecaster will do with it, and
tells a coordinator what to fix. The forecaster (forecasts.core) uses the same rule,
`usually_open`, to tell the two kinds of absent interval apart: a missing one is unknown
(left out of fitting and of backtest scores), a closed one is 0 contacts.

- **Usual open hours**: an interval is inside them when the same weekday and local time of
  day had contacts on at least `OPEN_SHARE` of the same weekdays within `OPEN_WINDOW_WEEKS`
  weeks either side (the day itself not counted), so opening hours may change over a history.
- **Missing interval**: no row for an interval (of the history's own length) between a
  queue's first and last row, inside its usual open hours: probably lost data.
- **Closed interval**: no row outside the usual open hours: the usual way exports leave
  out closed hours. On public holidays (of `holiday_country`) absent intervals are closed.
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
from forecasts.models import holiday_mask

OPEN_SHARE = 0.5
OPEN_WINDOW_WEEKS = 4
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
                     f"hours (left out, not read as 0){_examples(self.missing)}; "
                     f"{self.closed_intervals:,} interval(s) without rows outside them (closed)")
        lines.append(f"history: {len(self.outliers):,} outlier interval(s) flagged, kept"
                     f"{_examples(self.outliers)}")
        return lines


def check_history(frame: pd.DataFrame, *, timezone: str = "Europe/Helsinki",
                  holiday_country: str | None = "FI") -> HistoryReport:
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
        wall_day = local.tz_localize(None).normalize()
        day = ((wall_day - wall_day[0]).days).to_numpy()
        busy = np.zeros((day[-1] + 1, 1440 // minutes), dtype=bool)
        np.logical_or.at(busy, (day, slot), np.nan_to_num(contacts) > 0)
        open_slots = usually_open_slots(busy)
        open_slots[holiday_mask(holiday_country, wall_day[0].date(), len(busy))] = False
        usually_open = open_slots[day, slot]
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


def usually_open_slots(busy: np.ndarray) -> np.ndarray:
    """Per local day x time-of-day slot, whether it lies inside the queue's usual open hours.

    `busy` (consecutive days x slots) says where contacts came; a slot is usually open when
    the same weekday and slot was busy on at least OPEN_SHARE of the other same weekdays
    within OPEN_WINDOW_WEEKS weeks either side. With no other such day it is not.
    """
    busy = np.asarray(busy, dtype=bool)
    out = np.zeros(busy.shape, dtype=bool)
    for phase in range(min(7, len(busy))):
        weeks = busy[phase::7].astype(np.int32)  # one weekday, oldest first
        n = len(weeks)
        cumulative = np.vstack([np.zeros((1, weeks.shape[1]), np.int32), weeks.cumsum(axis=0)])
        at = np.arange(n)
        low = np.clip(at - OPEN_WINDOW_WEEKS, 0, n)
        high = np.clip(at + OPEN_WINDOW_WEEKS + 1, 0, n)
        others = cumulative[high] - cumulative[low] - weeks
        count = (high - low - 1)[:, None]
        out[phase::7] = (count > 0) & (others >= OPEN_SHARE * count)
    return out


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
