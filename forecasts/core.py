"""Forecast every queue of a history frame onto the planning grid (local days, UTC intervals).

Only history before the first forecast day is used, so a backtest cannot peek. Intervals
missing from the history are read as zero contacts (exports usually omit closed hours);
a queue's history starts at its first row. The forecast frame has one row per queue and
interval of `scheduler.grid.Grid(start, days, interval_minutes)`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from forecasts.history import resample_history
from forecasts.models import MODELS, DayMatrix, WeekdayProfile
from forecasts.special import ExpectedVolume, Uplift, apply_uplifts, expected_prediction
from scheduler.domain import queue_key
from scheduler.grid import Grid

AHT_WEEKS = 8  # AHT per time of day from the last eight weeks
SHORT_HISTORY_DAYS = 14
FORECAST_COLUMNS = (
    "interval_start", "client", "channel", "language", "queue",
    "contacts", "contacts_low", "contacts_high", "aht_seconds", "model",
)


def forecast(
    history: pd.DataFrame,
    *,
    start: date,
    days: int,
    interval_minutes: int,
    timezone: str = "Europe/Helsinki",
    method: str = "weekday_profile",
    holiday_country: str | None = "FI",
    models: Mapping[str, Callable[[], object]] | None = None,
    uplifts: Sequence[Uplift] = (),
    expected: Sequence[ExpectedVolume] = (),
) -> pd.DataFrame:
    """Forecast contacts (with an 80 % band) and AHT per queue for `days` local days from `start`.

    `history` is a canonical history frame (see forecasts.history). `holiday_country` picks
    the public-holiday calendar of the weekday_profile method (None: no holidays). Returns
    the columns of FORECAST_COLUMNS, sorted by queue and interval_start. `models` is the
    registry `method` is looked up in (default MODELS), e.g. to benchmark other libraries.
    """
    registry = MODELS if models is None else models
    if method not in registry:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(registry)}")
    grid = Grid(start, days, interval_minutes, timezone)
    past = history[history["interval_start"] < pd.Timestamp(grid.start_utc)]
    if past.empty and not expected:
        raise ValueError(f"no history before {start.isoformat()} to forecast from")
    past = resample_history(past, interval_minutes)
    by_queue = {queue_key(e.client, e.channel, e.language): e for e in expected}
    slots_per_day = 1440 // interval_minutes

    target_starts = pd.date_range(grid.start_utc, grid.end_utc, freq=f"{interval_minutes}min",
                                  inclusive="left").as_unit("ns")
    target_local = target_starts.tz_convert(timezone)
    target_day = (target_local.tz_localize(None).normalize() - pd.Timestamp(start)).days
    target_slot = (target_local.hour * 60 + target_local.minute) // interval_minutes
    horizon = list(grid.day_list)

    def queue_frame(queue: str, head, prediction, aht: np.ndarray) -> pd.DataFrame:
        """One queue's rows on the planning grid."""
        return pd.DataFrame({
            "interval_start": target_starts, "client": head.client, "channel": head.channel,
            "language": head.language, "queue": queue,
            "contacts": prediction.contacts[target_day, target_slot],
            "contacts_low": prediction.low[target_day, target_slot],
            "contacts_high": prediction.high[target_day, target_slot],
            "aht_seconds": aht[target_slot],
            "model": np.array(prediction.notes, dtype=object)[target_day],
        })

    with_history = set(past["queue"].unique())
    frames = [
        queue_frame(queue, e, expected_prediction(e, horizon, interval_minutes, "no history"),
                    np.full(slots_per_day, e.aht_seconds))
        for queue, e in sorted(by_queue.items()) if queue not in with_history
    ]
    if not past.empty:
        frames += _history_frames(past, horizon, interval_minutes, timezone,
                                  lambda: (WeekdayProfile(holiday_country=holiday_country)
                                           if registry[method] is WeekdayProfile
                                           else registry[method]()),
                                  by_queue, queue_frame)
    out = pd.concat(frames, ignore_index=True).sort_values(["queue", "interval_start"],
                                                           kind="stable")
    for column in ("contacts", "contacts_low", "contacts_high"):
        out[column] = out[column].astype(float).clip(lower=0.0)
    out = apply_uplifts(out.reset_index(drop=True), uplifts, timezone)
    return out[list(FORECAST_COLUMNS)]


def _history_frames(past: pd.DataFrame, horizon: list[date], interval_minutes: int,
                    timezone: str, make_model, by_queue: Mapping[str, ExpectedVolume],
                    queue_frame) -> list[pd.DataFrame]:
    """Fit and predict each queue of the history (expected volume where it is too short)."""
    zone = ZoneInfo(timezone)
    slots_per_day = 1440 // interval_minutes
    local = past["interval_start"].dt.tz_convert(timezone)
    local_day = local.dt.tz_localize(None).dt.normalize()
    last_day = local_day.max()
    # day (counted back from the last) and time-of-day slot of every row, as plain arrays
    day_back = ((last_day - local_day).dt.days).to_numpy()
    slot_of = ((local.dt.hour * 60 + local.dt.minute) // interval_minutes).to_numpy()
    contacts_of = past["contacts"].to_numpy(dtype=float)
    aht_of = past["aht_seconds"].to_numpy(dtype=float)
    skipped = _skipped_slots(last_day.date(), int(day_back.max()) + 1, interval_minutes, zone)
    frames = []
    for queue, index in past.groupby("queue", sort=True).indices.items():
        rows_back = day_back[index]
        n_days = int(rows_back.max()) + 1
        head = past.iloc[index[0]]
        if n_days < SHORT_HISTORY_DAYS and queue in by_queue:
            e = by_queue[queue]
            prediction = expected_prediction(e, horizon, interval_minutes,
                                             f"short history: {n_days} days")
            frames.append(queue_frame(queue, head, prediction,
                                      np.full(slots_per_day, e.aht_seconds)))
            continue
        row = n_days - 1 - rows_back  # oldest day first
        # the repeated autumn hour lands twice on one slot: hold the mean of the two
        sums = np.zeros((n_days, slots_per_day))
        counts = np.zeros((n_days, slots_per_day))
        np.add.at(sums, (row, slot_of[index]), contacts_of[index])
        np.add.at(counts, (row, slot_of[index]), 1.0)
        values = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
        for back, slot in skipped:
            if back < n_days:
                values[n_days - 1 - back, slot] = np.nan
        first_day = (last_day - pd.Timedelta(days=n_days - 1)).date()
        prediction = make_model().fit(DayMatrix(first_day, values)).predict(horizon)
        if n_days < SHORT_HISTORY_DAYS and "short history" not in " ".join(prediction.notes):
            prediction = replace(prediction, notes=[
                f"{note} [short history: {n_days} days]" for note in prediction.notes])
        aht = _aht_by_slot(rows_back - rows_back.min(), slot_of[index], contacts_of[index],
                           aht_of[index], slots_per_day)
        frames.append(queue_frame(queue, head, prediction, aht))
    return frames


def _aht_by_slot(day_back: np.ndarray, slot: np.ndarray, contacts: np.ndarray,
                 aht_seconds: np.ndarray, slots_per_day: int) -> np.ndarray:
    """Contact-weighted AHT per time-of-day slot over recent weeks (queue mean where unseen).

    `day_back` counts days back from the queue's newest history day (0 = newest).
    """
    known = np.isfinite(aht_seconds) & (contacts > 0)
    recent = known & (day_back < 7 * AHT_WEEKS)
    use = recent if recent.any() else known
    if not use.any():
        return np.full(slots_per_day, np.nan)
    handled = np.bincount(slot[use], weights=contacts[use] * aht_seconds[use],
                          minlength=slots_per_day)
    weight = np.bincount(slot[use], weights=contacts[use], minlength=slots_per_day)
    aht = np.full(slots_per_day, handled.sum() / weight.sum())
    seen = weight > 0
    aht[seen] = handled[seen] / weight[seen]
    return aht


@lru_cache(maxsize=64)
def _skipped_slots(
    last_day: date, n_days: int, interval_minutes: int, zone: ZoneInfo
) -> tuple[tuple[int, int], ...]:
    """(days back from `last_day`, slot) pairs whose wall-clock time does not exist (spring)."""
    skipped = []
    for back in range(n_days):
        day = last_day - timedelta(days=back)
        begin = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        if end - begin >= timedelta(hours=24):
            continue
        for slot in range(1440 // interval_minutes):
            minute = slot * interval_minutes
            wall = datetime.combine(day, time(minute // 60, minute % 60))
            back_again = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
            if back_again.replace(tzinfo=None) != wall:
                skipped.append((back, slot))
    return tuple(skipped)
