"""Forecast every queue of a history frame onto the planning grid (local days, UTC intervals).

Only history before the first forecast day is used, so a backtest cannot peek. Intervals
missing from the history are read as zero contacts (exports usually omit closed hours);
a queue's history starts at its first row. The forecast frame has one row per queue and
interval of `scheduler.grid.Grid(start, days, interval_minutes)`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from forecasts.history import resample_history
from forecasts.models import MODELS, DayMatrix, WeekdayProfile
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
    if past.empty:
        raise ValueError(f"no history before {start.isoformat()} to forecast from")
    past = resample_history(past, interval_minutes)
    zone = ZoneInfo(timezone)
    slots_per_day = 1440 // interval_minutes

    local = past["interval_start"].dt.tz_convert(timezone)
    past = past.assign(
        _day=local.dt.tz_localize(None).dt.normalize(),
        _slot=(local.dt.hour * 60 + local.dt.minute) // interval_minutes,
    )
    last_day = past["_day"].max()
    target_starts = pd.date_range(grid.start_utc, grid.end_utc, freq=f"{interval_minutes}min",
                                  inclusive="left").as_unit("ns")
    target_local = target_starts.tz_convert(timezone)
    target_day = (target_local.tz_localize(None).normalize() - pd.Timestamp(start)).days
    target_slot = (target_local.hour * 60 + target_local.minute) // interval_minutes
    horizon = list(grid.day_list)

    frames = []
    for queue, rows in past.groupby("queue", sort=True):
        first_day = rows["_day"].min()
        n_days = (last_day - first_day).days + 1
        values = np.zeros((n_days, slots_per_day))
        per_slot = rows.groupby(["_day", "_slot"])["contacts"].mean()  # autumn hour: mean of 2
        day_idx = (per_slot.index.get_level_values(0) - first_day).days
        values[day_idx, per_slot.index.get_level_values(1)] = per_slot.to_numpy()
        for d, slot in _skipped_slots(first_day.date(), n_days, interval_minutes, zone):
            values[d, slot] = np.nan
        matrix = DayMatrix(first_day.date(), values)
        model = (WeekdayProfile(holiday_country=holiday_country)
                 if registry[method] is WeekdayProfile else registry[method]())
        prediction = model.fit(matrix).predict(horizon)
        notes = prediction.notes
        if n_days < SHORT_HISTORY_DAYS and "short history" not in " ".join(notes):
            notes = [f"{note} [short history: {n_days} days]" for note in notes]
        head = rows.iloc[0]
        frames.append(
            pd.DataFrame(
                {
                    "interval_start": target_starts,
                    "client": head["client"],
                    "channel": head["channel"],
                    "language": head["language"],
                    "queue": queue,
                    "contacts": prediction.contacts[target_day, target_slot],
                    "contacts_low": prediction.low[target_day, target_slot],
                    "contacts_high": prediction.high[target_day, target_slot],
                    "aht_seconds": _aht_by_slot(rows, slots_per_day)[target_slot],
                    "model": np.array(notes, dtype=object)[target_day],
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    for column in ("contacts", "contacts_low", "contacts_high"):
        out[column] = out[column].astype(float).clip(lower=0.0)
    return out[list(FORECAST_COLUMNS)]


def _aht_by_slot(rows: pd.DataFrame, slots_per_day: int) -> np.ndarray:
    """Contact-weighted AHT per time-of-day slot over recent weeks (queue mean where unseen)."""
    recent = rows[rows["_day"] > rows["_day"].max() - pd.Timedelta(weeks=AHT_WEEKS)]
    known = recent[recent["aht_seconds"].notna() & (recent["contacts"] > 0)]
    if known.empty:
        known = rows[rows["aht_seconds"].notna() & (rows["contacts"] > 0)]
    if known.empty:
        return np.full(slots_per_day, np.nan)
    handled = (known["contacts"] * known["aht_seconds"]).groupby(known["_slot"]).sum()
    weight = known["contacts"].groupby(known["_slot"]).sum()
    aht = np.full(slots_per_day, handled.sum() / weight.sum())
    aht[handled.index.to_numpy()] = (handled / weight).to_numpy()
    return aht


def _skipped_slots(
    first_day: date, n_days: int, interval_minutes: int, zone: ZoneInfo
) -> list[tuple[int, int]]:
    """(day, slot) pairs whose local wall-clock time does not exist (spring DST change)."""
    skipped = []
    for d in range(n_days):
        day = first_day + timedelta(days=d)
        begin = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        if end - begin >= timedelta(hours=24):
            continue
        for slot in range(1440 // interval_minutes):
            minute = slot * interval_minutes
            wall = datetime.combine(day, time(minute // 60, minute % 60))
            back = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
            if back.replace(tzinfo=None) != wall:
                skipped.append((d, slot))
    return skipped
