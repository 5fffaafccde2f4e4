"""What coordinators and clients tell the forecaster: uplifts over date ranges, expected volumes.

- `Uplift`: an event or campaign changes a queue's (or all of a client's queues') contacts by
  a percentage over local days `start`..`end` (inclusive); +25 means 25 % more, -40 means
  40 % fewer. Overlapping uplifts multiply. The band moves with the point forecast.
- `ExpectedVolume`: a client's expected contacts per week (and AHT) for a queue with no or
  too little history (under two weeks): spread over the week with `TYPICAL_WEEK`, a typical
  week of that channel. The band is the Poisson one: a client's estimate is no better.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from forecasts.models import Prediction, band

# A typical week per channel (our assumption, for queues without history): weekday weights
# (Monday first) and local opening hours per weekday; intraday a midday hump.
TYPICAL_WEEK = {
    "voice": ((1.25, 1.1, 1.0, 1.0, 0.95, 0.35, 0.0),
              ((8, 20),) * 5 + ((10, 16), (0, 0))),
    "chat": ((1.2, 1.1, 1.0, 1.0, 0.95, 0.45, 0.2),
             ((8, 20),) * 5 + ((10, 16), (10, 16))),
    "email": ((1.3, 1.05, 1.0, 1.0, 0.9, 0.0, 0.0),
              ((8, 16),) * 5 + ((0, 0), (0, 0))),
}


@dataclass(frozen=True)
class Uplift:
    """A percentage change of forecast contacts for a queue or a client over local days."""

    target: str  # a queue key (client-channel-language) or a client
    start: date
    end: date  # inclusive
    percent: float
    reason: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"uplift {self.reason!r} ends before it starts")
        if self.percent <= -100:
            raise ValueError(f"uplift {self.reason!r}: {self.percent} % leaves no contacts")


@dataclass(frozen=True)
class ExpectedVolume:
    """A client's expected contacts per week and AHT for a queue with little or no history."""

    client: str
    channel: str
    language: str
    contacts_per_week: float
    aht_seconds: float

    def __post_init__(self) -> None:
        if self.channel not in TYPICAL_WEEK:
            raise ValueError(f"no typical week for channel {self.channel!r}")
        if self.contacts_per_week < 0 or not self.aht_seconds > 0:
            raise ValueError("expected contacts per week must be >= 0 and AHT > 0 seconds")


def typical_week(channel: str, interval_minutes: int) -> np.ndarray:
    """Share of a week's contacts per weekday x time-of-day slot (sums to 1)."""
    weights, hours = TYPICAL_WEEK[channel]
    slots = 1440 // interval_minutes
    middle = (np.arange(slots) + 0.5) * interval_minutes / 60
    week = np.zeros((7, slots))
    for weekday, (opens, closes) in enumerate(hours):
        if closes <= opens:
            continue
        inside = (middle >= opens) & (middle < closes)
        hump = np.sin(np.pi * (middle - opens) / (closes - opens)) + 0.2
        week[weekday] = np.where(inside, hump, 0.0)
        week[weekday] *= weights[weekday] / week[weekday].sum()
    return week / week.sum()


def expected_prediction(expected: ExpectedVolume, days: Sequence[date], interval_minutes: int,
                        why: str) -> Prediction:
    """Forecast `days` from a client's expected weekly volume; `why` goes in the model note."""
    week = typical_week(expected.channel, interval_minutes) * expected.contacts_per_week
    point = week[[d.weekday() for d in days]]
    low, high = band(point, np.array([]))
    note = (f"expected volume {expected.contacts_per_week:g}/week x typical "
            f"{expected.channel} week ({why})")
    return Prediction(point, low, high, [note] * len(days))


def apply_uplifts(frame: pd.DataFrame, uplifts: Sequence[Uplift], timezone: str) -> pd.DataFrame:
    """Scale contacts and band of the forecast rows each uplift covers; note it in `model`."""
    if not uplifts:
        return frame
    out = frame.copy()
    local_day = out["interval_start"].dt.tz_convert(timezone).dt.date
    for uplift in uplifts:
        hit = (((out["queue"] == uplift.target) | (out["client"] == uplift.target))
               & (local_day >= uplift.start) & (local_day <= uplift.end))
        factor = 1 + uplift.percent / 100
        for column in ("contacts", "contacts_low", "contacts_high"):
            out.loc[hit, column] = out.loc[hit, column] * factor
        out.loc[hit, "model"] = out.loc[hit, "model"] + f" {uplift.percent:+g}% {uplift.reason}"
    return out
