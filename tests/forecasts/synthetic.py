"""Synthetic contact history with a known weekday x time-of-day pattern."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from forecasts.history import history_from_records
from forecasts.models import finnish_holidays

TIMEZONE = "Europe/Helsinki"
WEEKDAY_LEVEL = (1.3, 1.1, 1.0, 1.0, 0.9, 0.4, 0.0)  # Monday first; closed on Sundays
OPEN_HOURS = (8, 20)


def intraday_shape(hour_of_day: np.ndarray) -> np.ndarray:
    """Expected share-like curve: open 08-20 with a midday peak, closed otherwise."""
    start, end = OPEN_HOURS
    open_ = (hour_of_day >= start) & (hour_of_day < end)
    return np.where(open_, np.sin(np.pi * (hour_of_day - start) / (end - start)) + 0.2, 0.0)


def expected_contacts(starts_utc: pd.DatetimeIndex, scale: float = 20.0,
                      holiday_ratio: float | None = None) -> np.ndarray:
    """The pattern's expected contacts per interval start (UTC)."""
    local = starts_utc.tz_convert(TIMEZONE)
    hour = local.hour + local.minute / 60
    level = np.asarray(WEEKDAY_LEVEL)[local.day_of_week]
    values = scale * intraday_shape(hour) * level
    if holiday_ratio is not None:
        calendar = finnish_holidays(range(local.year.min(), local.year.max() + 1))
        is_holiday = np.array([d in calendar for d in local.date])
        values = np.where(is_holiday, values * holiday_ratio, values)
    return values


def synthetic_history(first_day: date, days: int, *, queues: int = 1, interval_minutes: int = 30,
                      scale: float = 20.0, noise: bool = False, holiday_ratio: float | None = None,
                      seed: int = 0) -> pd.DataFrame:
    """Canonical history of `days` local days; noiseless (rounded) unless `noise`."""
    rng = np.random.default_rng(seed)
    begin = pd.Timestamp(first_day, tz=TIMEZONE).tz_convert("UTC")
    end = pd.Timestamp(first_day + pd.Timedelta(days=days), tz=TIMEZONE).tz_convert("UTC")
    starts = pd.date_range(begin, end, freq=f"{interval_minutes}min", inclusive="left")
    frames = []
    for q in range(queues):
        mean = expected_contacts(starts, scale * (1 + q / 10), holiday_ratio)
        contacts = rng.poisson(mean) if noise else np.round(mean).astype(int)
        frames.append(pd.DataFrame({
            "interval_start": starts, "client": f"client{q}", "channel": "voice",
            "language": "fi", "contacts": contacts,
            "aht_seconds": np.where(contacts > 0, 180.0 + q, np.nan),
        }))
    return history_from_records(pd.concat(frames, ignore_index=True), timezone=TIMEZONE)
