"""Forecast every queue of a history frame onto the planning grid (local days, UTC intervals).

History becomes one `QueueHistory` per queue: local days x time-of-day slots of contacts
(and handled seconds, for AHT) from the queue's first row to its last. An interval without a
row is judged by `forecasts.quality.usually_open_slots`: inside the queue's usual open hours it
is missing (NaN: left out of fitting and of backtest scores, never read as 0 contacts);
outside them it is closed (0 contacts, the way exports usually leave closed hours out).
Only history before the first forecast day is used, so a backtest cannot peek. The forecast
frame has one row per queue and interval of `scheduler.grid.Grid(start, days, interval_minutes)`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd

from forecasts.history import resample_history
from forecasts.models import MODELS, DayMatrix, Prediction, holiday_mask
from forecasts.quality import usually_open_slots
from forecasts.special import ExpectedVolume, Uplift, apply_uplifts, expected_prediction
from scheduler.domain import queue_key
from scheduler.grid import Grid

AHT_WEEKS = 8  # AHT per time of day from the last eight weeks
SHORT_HISTORY_DAYS = 14
FORECAST_COLUMNS = (
    "interval_start", "client", "channel", "language", "queue",
    "contacts", "contacts_low", "contacts_high", "aht_seconds", "model",
)
NANOSECONDS_PER_DAY = 86_400 * 10**9
ModelFactory = Callable[..., object]  # a model class, or a callable returning a model


@dataclass(frozen=True)
class QueueHistory:
    """One queue's history as consecutive local days x time-of-day slots."""

    queue: str
    client: str
    channel: str
    language: str
    timezone: str
    first_day: date
    contacts: np.ndarray  # (days, slots): contacts (mean of the repeated autumn hour's two)
    present: np.ndarray  # (days, slots) bool: the history has a row for the interval
    exists: np.ndarray  # (days, slots) bool: the wall-clock time exists (not the spring gap)
    handled: np.ndarray  # (days, slots): contacts x AHT seconds where the AHT is known
    weighed: np.ndarray  # (days, slots): the contacts with a known AHT

    @property
    def n_days(self) -> int:
        """Number of local days held."""
        return int(self.contacts.shape[0])

    @property
    def last_day(self) -> date:
        """The newest local day held."""
        return self.first_day + timedelta(days=self.n_days - 1)

    def through(self, last_day: date) -> QueueHistory:
        """The history cut or padded (with intervals without rows) to end on `last_day`."""
        n = (last_day - self.first_day).days + 1
        if n <= self.n_days:
            return self._rows(n)
        extra = n - self.n_days
        slots = self.contacts.shape[1]

        def padded(values: np.ndarray, fill) -> np.ndarray:
            return np.vstack([values, np.full((extra, slots), fill, dtype=values.dtype)])

        exists = _existing_slots(self.first_day, n, slots, self.timezone)
        return replace(self, contacts=padded(self.contacts, 0.0),
                       present=padded(self.present, False), exists=exists,
                       handled=padded(self.handled, 0.0), weighed=padded(self.weighed, 0.0))

    def until(self, day: date) -> QueueHistory | None:
        """The history before local `day`, ending on its last day with a row (None if none)."""
        end = min((day - self.first_day).days, self.n_days)
        if end <= 0:
            return None
        with_rows = np.flatnonzero(self.present[:end].any(axis=1))
        return self._rows(int(with_rows[-1]) + 1) if with_rows.size else None

    def matrix(self, holiday_country: str | None = None) -> DayMatrix:
        """Contacts per day x slot: missing (NaN) inside usual open hours, 0 when closed.

        On the public holidays of `holiday_country` an interval without a row is closed.
        """
        busy = self.present & (self.contacts > 0)
        missing = ~self.present & self.exists & usually_open_slots(busy)
        if holiday_country is not None:
            missing[holiday_mask(holiday_country, self.first_day, self.n_days)] = False
        values = np.where(self.present, self.contacts, 0.0)
        values[missing | ~self.exists] = np.nan
        return DayMatrix(self.first_day, values, missing)

    def aht_by_slot(self) -> np.ndarray:
        """Contact-weighted AHT per time-of-day slot over the last AHT_WEEKS weeks.

        Slots without a known AHT then take the queue's mean; NaN when no AHT is known at all.
        """
        recent = slice(max(0, self.n_days - 7 * AHT_WEEKS), None)
        handled, weight = self.handled[recent].sum(axis=0), self.weighed[recent].sum(axis=0)
        if weight.sum() <= 0:
            handled, weight = self.handled.sum(axis=0), self.weighed.sum(axis=0)
        if weight.sum() <= 0:
            return np.full(self.contacts.shape[1], np.nan)
        aht = np.full(len(weight), handled.sum() / weight.sum())
        seen = weight > 0
        aht[seen] = handled[seen] / weight[seen]
        return aht

    def _rows(self, n: int) -> QueueHistory:
        """The first `n` days."""
        return replace(self, contacts=self.contacts[:n], present=self.present[:n],
                       exists=self.exists[:n], handled=self.handled[:n],
                       weighed=self.weighed[:n])


def queue_histories(history: pd.DataFrame, *, interval_minutes: int,
                    timezone: str = "Europe/Helsinki",
                    through: date | None = None) -> dict[str, QueueHistory]:
    """One QueueHistory per queue of a canonical history frame, resampled to `interval_minutes`.

    With `through`, every queue runs to that local day (days after its last row have no rows).
    """
    frame = resample_history(history, interval_minutes)
    if frame.empty:
        return {}
    slots = 1440 // interval_minutes
    wall = (pd.DatetimeIndex(frame["interval_start"]).as_unit("ns").tz_convert(timezone)
            .tz_localize(None).asi8)
    day_number = wall // NANOSECONDS_PER_DAY
    slot = (wall % NANOSECONDS_PER_DAY) // (interval_minutes * 60 * 10**9)
    contacts = frame["contacts"].to_numpy(dtype=float)
    aht = frame["aht_seconds"].to_numpy(dtype=float)
    known = np.isfinite(aht) & (contacts > 0)
    handled = np.where(known, contacts * np.nan_to_num(aht), 0.0)
    weighed = np.where(known, contacts, 0.0)
    through_number = None if through is None else (through - date(1970, 1, 1)).days
    out = {}
    for queue, index in frame.groupby("queue", sort=True).indices.items():
        days = day_number[index]
        first = int(days.min())
        last = int(days.max()) if through_number is None else max(int(days.max()),
                                                                 through_number)
        n = last - first + 1
        flat = (days - first) * slots + slot[index]

        def per_slot(weights: np.ndarray | None, n=n, flat=flat) -> np.ndarray:
            return np.bincount(flat, weights=weights, minlength=n * slots).reshape(n, slots)

        rows = per_slot(None)
        head = frame.iloc[index[0]]
        first_day = date(1970, 1, 1) + timedelta(days=first)
        out[queue] = QueueHistory(
            queue=queue, client=head["client"], channel=head["channel"],
            language=head["language"], timezone=timezone, first_day=first_day,
            contacts=np.divide(per_slot(contacts[index]), rows, out=np.zeros((n, slots)),
                               where=rows > 0),
            present=rows > 0, exists=_existing_slots(first_day, n, slots, timezone),
            handled=per_slot(handled[index]), weighed=per_slot(weighed[index]),
        )
    return out


def forecast(
    history: pd.DataFrame,
    *,
    start: date,
    days: int,
    interval_minutes: int,
    timezone: str = "Europe/Helsinki",
    method: str = "weekday_profile",
    holiday_country: str | None = "FI",
    models: Mapping[str, ModelFactory] | None = None,
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
    histories = queue_histories(past, interval_minutes=interval_minutes, timezone=timezone)
    return forecast_histories(histories, dict.fromkeys(histories, method), start=start,
                              days=days, interval_minutes=interval_minutes, timezone=timezone,
                              holiday_country=holiday_country, models=registry,
                              uplifts=uplifts, expected=expected)


def forecast_histories(
    histories: Mapping[str, QueueHistory],
    methods: Mapping[str, str],
    *,
    start: date,
    days: int,
    interval_minutes: int,
    timezone: str = "Europe/Helsinki",
    holiday_country: str | None = "FI",
    models: Mapping[str, ModelFactory] | None = None,
    uplifts: Sequence[Uplift] = (),
    expected: Sequence[ExpectedVolume] = (),
    notes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Forecast each queue of `histories` with its method in `methods` (see `forecast`).

    Only each queue's history before `start` is used. A queue with an expected volume and no
    or under SHORT_HISTORY_DAYS days of history uses the expected volume instead. `notes`
    (per queue) is added to the model column, e.g. why the method was chosen.
    """
    registry = MODELS if models is None else models
    grid = Grid(start, days, interval_minutes, timezone)
    by_queue = {queue_key(e.client, e.channel, e.language): e for e in expected}
    slots_per_day = 1440 // interval_minutes
    target_starts = pd.date_range(grid.start_utc, grid.end_utc, freq=f"{interval_minutes}min",
                                  inclusive="left").as_unit("ns")
    target_local = target_starts.tz_convert(timezone)
    target_day = (target_local.tz_localize(None).normalize() - pd.Timestamp(start)).days
    target_slot = (target_local.hour * 60 + target_local.minute) // interval_minutes
    horizon = list(grid.day_list)

    def queue_frame(queue: str, head, prediction: Prediction, aht: np.ndarray,
                    note: str | None = None) -> pd.DataFrame:
        """One queue's rows on the planning grid."""
        labels = np.array([f"{n} | {note}" if note else n for n in prediction.notes],
                          dtype=object)
        return pd.DataFrame({
            "interval_start": target_starts, "client": head.client, "channel": head.channel,
            "language": head.language, "queue": queue,
            "contacts": prediction.contacts[target_day, target_slot],
            "contacts_low": prediction.low[target_day, target_slot],
            "contacts_high": prediction.high[target_day, target_slot],
            "aht_seconds": aht[target_slot], "model": labels[target_day],
        })

    frames = []
    pasts = {q: h.until(start) for q, h in histories.items()}
    for queue, e in sorted(by_queue.items()):
        past = pasts.get(queue)
        if past is None or past.n_days < SHORT_HISTORY_DAYS:
            why = "no history" if past is None else f"short history: {past.n_days} days"
            frames.append(queue_frame(queue, e, expected_prediction(
                e, horizon, interval_minutes, why), np.full(slots_per_day, e.aht_seconds)))
    for queue, past in sorted(pasts.items()):
        if past is None or (queue in by_queue and past.n_days < SHORT_HISTORY_DAYS):
            continue
        method = methods[queue]
        if method not in registry:
            raise ValueError(f"unknown method {method!r}; choose one of {', '.join(registry)}")
        prediction = make_model(registry[method], holiday_country).fit(
            past.matrix(holiday_country)).predict(horizon)
        if past.n_days < SHORT_HISTORY_DAYS and "short history" not in " ".join(
                prediction.notes):
            prediction = replace(prediction, notes=[
                f"{note} [short history: {past.n_days} days]" for note in prediction.notes])
        frames.append(queue_frame(queue, past, prediction, past.aht_by_slot(),
                                  (notes or {}).get(queue)))
    if not frames:
        raise ValueError(f"no history before {start.isoformat()} to forecast from")
    out = pd.concat(frames, ignore_index=True).sort_values(["queue", "interval_start"],
                                                           kind="stable")
    for column in ("contacts", "contacts_low", "contacts_high"):
        out[column] = out[column].astype(float).clip(lower=0.0)
    out = apply_uplifts(out.reset_index(drop=True), uplifts, timezone)
    return out[list(FORECAST_COLUMNS)]


def make_model(factory: ModelFactory, holiday_country: str | None):
    """A fresh model from a registry entry, given the holiday calendar if it takes one."""
    try:
        takes_holidays = "holiday_country" in inspect.signature(factory).parameters
    except (TypeError, ValueError):  # a builtin or C callable: no signature to read
        takes_holidays = False
    return factory(holiday_country=holiday_country) if takes_holidays else factory()


@lru_cache(maxsize=256)
def _existing_slots(first_day: date, n_days: int, slots: int, timezone: str) -> np.ndarray:
    """(days, slots) bool: whether each local wall-clock slot exists (False: spring gap)."""
    minutes = 1440 // slots
    walls = (pd.Timestamp(first_day) + pd.to_timedelta(np.arange(n_days * slots) * minutes,
                                                       unit="min"))
    localised = pd.DatetimeIndex(walls).tz_localize(
        timezone, nonexistent="NaT", ambiguous=np.ones(len(walls), dtype=bool))
    exists = ~np.asarray(localised.isna()).reshape(n_days, slots)
    exists.setflags(write=False)
    return exists

