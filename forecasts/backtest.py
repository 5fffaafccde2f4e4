"""Rolling-origin backtests of every forecasting method, and the choice of method per queue.

At each origin (a local day) every method is fitted on each queue's history before that day
only and forecasts the next `max(horizons)` days. A horizon of h days scores the first h of
those days against what happened, per local day and time of day (the repeated autumn hour
once, as the mean of its two occurrences): intervals missing from the history inside usual
open hours are left out of the scores, closed hours count as 0 contacts (see forecasts.core).

The result is one tidy row per queue x origin x model x horizon with the sums needed to pool
origins honestly (`actual`, `abs_error`, `error`, `n_band`, `in_band`) and the per-origin
WAPE, MASE, bias and 80 % band coverage. MASE scales by the in-sample mean absolute error of
the same-interval-last-week forecast over the history before the origin (seasonal period
one week). Coverage is the share of open intervals (forecast or actual above 0) whose actual
contacts fell inside the 80 % band: near 0.8 when the band is honest.

`choose_methods` is the automatic choice production uses: per queue, the method with the
lowest pooled 7-day WAPE over the latest `AUTO_ORIGINS` weekly origins; `forecast_auto`
forecasts each queue with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from forecasts.core import (
    SHORT_HISTORY_DAYS,
    ModelFactory,
    QueueHistory,
    forecast_histories,
    make_model,
    queue_histories,
)
from forecasts.evaluate import bias, mase, wape
from forecasts.models import MODELS, Prediction
from forecasts.special import ExpectedVolume, Uplift
from scheduler.domain import queue_key
from scheduler.grid import local_midnight_utc

METHODS = tuple(MODELS)
HORIZONS = (1, 7)
SELECTION_HORIZON = 7  # choose the method that is best a week ahead: what rosters are built on
AUTO_ORIGINS = 4  # weekly origins the automatic choice is backtested on
DEFAULT_METHOD = "weekday_profile"  # for a queue with too little history to backtest
AUTO = "auto"
RESULT_COLUMNS = (
    "queue", "client", "channel", "language", "origin", "model", "horizon_days",
    "n_intervals", "actual", "abs_error", "error", "n_band", "in_band",
    "wape", "mase", "bias", "coverage",
)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Choice:
    """The method chosen for a queue, and why, in words for the model column and the CLI."""

    method: str
    reason: str


def weekly_origins(history: pd.DataFrame, *, count: int, horizon_days: int,
                   timezone: str = "Europe/Helsinki") -> list[date]:
    """The last `count` weekly origins whose `horizon_days` days all lie inside the history."""
    last_day = history["interval_start"].max().tz_convert(timezone).date()
    return _weekly_origins(last_day, count, horizon_days)


def backtest(
    history: pd.DataFrame,
    *,
    origins: Sequence[date],
    interval_minutes: int = 30,
    horizons: Sequence[int] = HORIZONS,
    methods: Sequence[str] = METHODS,
    timezone: str = "Europe/Helsinki",
    holiday_country: str | None = "FI",
    progress: Progress | None = None,
    models: Mapping[str, ModelFactory] | None = None,
) -> pd.DataFrame:
    """Score each method at each origin and horizon for every queue (columns RESULT_COLUMNS).

    `progress(done, total)` is called after each origin x method; `models` is the registry
    the methods are looked up in (default MODELS).
    """
    last_day = history["interval_start"].max().tz_convert(timezone).date()
    histories = queue_histories(history, interval_minutes=interval_minutes, timezone=timezone,
                                through=last_day)
    return backtest_histories(histories, origins=origins, horizons=horizons, methods=methods,
                              holiday_country=holiday_country, progress=progress,
                              models=models)


def backtest_histories(
    histories: Mapping[str, QueueHistory],
    *,
    origins: Sequence[date],
    horizons: Sequence[int] = HORIZONS,
    methods: Sequence[str] = METHODS,
    holiday_country: str | None = "FI",
    progress: Progress | None = None,
    models: Mapping[str, ModelFactory] | None = None,
    min_history_days: int = 1,
) -> pd.DataFrame:
    """`backtest` on prepared histories; a queue is scored at an origin when it has at least
    `min_history_days` days of history before it."""
    if not origins:
        raise ValueError("a backtest needs at least one origin")
    registry = MODELS if models is None else models
    unknown = [m for m in methods if m not in registry]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)}; "
                         f"choose from {', '.join(registry)}")
    max_days = max(horizons)
    total = len(origins) * len(methods)
    done = 0
    rows: list[dict] = []
    if not histories:
        return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    last_day = max(h.last_day for h in histories.values())
    actuals = {q: h.through(last_day).matrix(holiday_country).values
               for q, h in histories.items()}
    for origin in origins:
        fits = {}
        for queue, history in histories.items():
            past = history.until(origin)
            if past is not None and past.n_days >= min_history_days:
                fits[queue] = (past, past.matrix(holiday_country))
        days = [origin + timedelta(days=d) for d in range(max_days)]
        for method in methods:
            for queue, (past, matrix) in fits.items():
                prediction = make_model(registry[method], holiday_country).fit(matrix).predict(
                    days)
                first = (origin - past.first_day).days
                actual = _rows_or_nan(actuals[queue], first, max_days)
                for h in horizons:
                    rows.append(_score(past, origin, method, h, actual[:h], prediction,
                                       matrix.values))
            done += 1
            if progress is not None:
                progress(done, total)
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Pool origins: WAPE, bias and band coverage over all origins' intervals, MASE as the
    mean per origin."""
    keys = ["queue", "model", "horizon_days"]
    pooled = results.groupby(keys, sort=True).agg(
        origins=("origin", "nunique"), actual=("actual", "sum"), abs_error=("abs_error", "sum"),
        error=("error", "sum"), mase=("mase", "mean"), n_band=("n_band", "sum"),
        in_band=("in_band", "sum"),
    ).reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled["wape"] = pooled["abs_error"] / pooled["actual"]
        pooled["bias"] = pooled["error"] / pooled["actual"]
        pooled["coverage"] = pooled["in_band"] / pooled["n_band"]
    return pooled[keys + ["origins", "wape", "mase", "bias", "coverage"]]


def choose_model(results: pd.DataFrame, horizon_days: int = SELECTION_HORIZON) -> pd.Series:
    """Per queue, the model with the lowest pooled WAPE at `horizon_days` (ties: listed first)."""
    scores = summarise(results[results["model"] != AUTO])
    scores = scores[scores["horizon_days"] == horizon_days]
    if scores.empty:
        raise ValueError(f"no backtest results at the {horizon_days}-day horizon")
    order = {m: i for i, m in enumerate(METHODS)}
    scores = scores.assign(_order=scores["model"].map(order).fillna(len(order)))
    best = scores.sort_values(["queue", "wape", "_order"]).groupby("queue").head(1)
    return best.set_index("queue")["model"].rename("model")


def auto_choices(results: pd.DataFrame, *, selection_origins: int = 4,
                 horizon_days: int = SELECTION_HORIZON) -> pd.DataFrame:
    """Per origin and queue, the method `choose_model` picks from the `selection_origins`
    latest earlier origins whose windows had ended by that origin (columns queue, origin, model).

    Origins without enough earlier results get no choice, so the choice never peeks.
    """
    base = results[results["model"] != AUTO]
    picks = []
    for origin in sorted(base["origin"].unique()):
        earlier = base[base["origin"] + timedelta(days=horizon_days) <= origin]
        chosen_origins = sorted(earlier["origin"].unique())[-selection_origins:]
        if len(chosen_origins) < selection_origins:
            continue
        chosen = choose_model(earlier[earlier["origin"].isin(chosen_origins)], horizon_days)
        picks.append(pd.DataFrame({"queue": chosen.index, "origin": origin,
                                   "model": chosen.to_numpy()}))
    if not picks:
        return pd.DataFrame(columns=["queue", "origin", "model"])
    return pd.concat(picks, ignore_index=True)


def with_auto(results: pd.DataFrame, *, selection_origins: int = 4,
              horizon_days: int = SELECTION_HORIZON) -> pd.DataFrame:
    """Add rows for model "auto": at each origin, the scores of the method `auto_choices` picks."""
    base = results[results["model"] != AUTO]
    picks = auto_choices(base, selection_origins=selection_origins, horizon_days=horizon_days)
    if picks.empty:
        return results
    added = base.merge(picks, on=["queue", "origin", "model"]).assign(model=AUTO)
    return pd.concat([results, added[list(RESULT_COLUMNS)]], ignore_index=True)


def choose_methods(
    histories: Mapping[str, QueueHistory],
    *,
    before: date,
    holiday_country: str | None = "FI",
    origins: int = AUTO_ORIGINS,
    methods: Sequence[str] = METHODS,
    progress: Progress | None = None,
) -> dict[str, Choice]:
    """Per queue, the method with the lowest pooled 7-day WAPE over the `origins` latest weekly
    origins whose windows end before `before` (DEFAULT_METHOD where none can be scored)."""
    pasts = {q: p for q, h in histories.items() if (p := h.until(before)) is not None}
    if not pasts:
        return {}
    last_day = max(p.last_day for p in pasts.values())
    candidates = _weekly_origins(last_day, origins, SELECTION_HORIZON)
    results = backtest_histories(pasts, origins=candidates, horizons=(SELECTION_HORIZON,),
                                 methods=methods, holiday_country=holiday_country,
                                 progress=progress, min_history_days=SHORT_HISTORY_DAYS)
    scored = {} if results.empty else dict(tuple(summarise(results).groupby("queue")))
    best_of = {} if results.empty else choose_model(results).to_dict()
    choices = {}
    for queue, past in pasts.items():
        mine = scored.get(queue)
        if mine is None or not np.isfinite(mine["wape"]).any():
            choices[queue] = Choice(DEFAULT_METHOD, "too little history to backtest "
                                    f"({past.n_days} days)")
            continue
        best = best_of[queue]
        wapes = mine.set_index("model")["wape"]
        others = ", ".join(f"{m} {wapes[m]:.3f}" for m in methods if m != best and m in wapes)
        choices[queue] = Choice(best, (
            f"chosen by backtest: 7-day WAPE {wapes[best]:.3f} over "
            f"{int(mine['origins'].max())} weekly origin(s)" + (f"; {others}" if others else "")))
    return choices


def forecast_auto(
    history: pd.DataFrame,
    *,
    start: date,
    days: int,
    interval_minutes: int,
    timezone: str = "Europe/Helsinki",
    holiday_country: str | None = "FI",
    uplifts: Sequence[Uplift] = (),
    expected: Sequence[ExpectedVolume] = (),
    progress: Progress | None = None,
) -> tuple[pd.DataFrame, dict[str, Choice]]:
    """Forecast each queue with the method `choose_methods` picks on its history before `start`.

    Returns the forecast frame (the choice and its backtest figures in the model column) and
    the choice per queue; queues forecast from a client's expected volume say so.
    """
    cut = pd.Timestamp(local_midnight_utc(start, timezone))
    past = history[history["interval_start"] < cut]
    if past.empty and not expected:
        raise ValueError(f"no history before {start.isoformat()} to forecast from")
    histories = queue_histories(past, interval_minutes=interval_minutes, timezone=timezone)
    choices = choose_methods(histories, before=start, holiday_country=holiday_country,
                             progress=progress)
    frame = forecast_histories(
        histories, {q: c.method for q, c in choices.items()}, start=start, days=days,
        interval_minutes=interval_minutes, timezone=timezone, holiday_country=holiday_country,
        uplifts=uplifts, expected=expected, notes={q: c.reason for q, c in choices.items()})
    for e in expected:
        queue = queue_key(e.client, e.channel, e.language)
        known = histories.get(queue)
        if known is None or known.n_days < SHORT_HISTORY_DAYS:
            why = "no history" if known is None else f"short history: {known.n_days} days"
            choices[queue] = Choice("expected_volume", f"{e.contacts_per_week:g}/week x "
                                    f"typical {e.channel} week ({why})")
    return frame, dict(sorted(choices.items()))


def _weekly_origins(last_day: date, count: int, horizon_days: int) -> list[date]:
    """The last `count` weekly origins whose `horizon_days` days end by `last_day`."""
    newest = last_day + timedelta(days=1) - timedelta(days=horizon_days)
    return [newest - timedelta(weeks=k) for k in range(count - 1, -1, -1)]


def _rows_or_nan(values: np.ndarray, first: int, n: int) -> np.ndarray:
    """Rows first..first+n-1 of a day x slot matrix, NaN beyond its end."""
    out = np.full((n, values.shape[1]), np.nan)
    have = values[first : first + n]
    out[: len(have)] = have
    return out


def _score(past: QueueHistory, origin: date, method: str, horizon_days: int,
           actual: np.ndarray, prediction: Prediction, insample: np.ndarray) -> dict:
    """One result row: sums and metrics of a queue's forecast over its first days."""
    known = np.isfinite(actual)
    a = actual[known]
    f = np.clip(prediction.contacts[:horizon_days][known], 0.0, None)
    low = prediction.low[:horizon_days][known]
    high = prediction.high[:horizon_days][known]
    season = 7 * insample.shape[1]
    flat = insample.ravel()
    scaled = (mase(a, f, flat, season) if flat.size > season and a.size
              else float("nan"))  # under a week of history: no seasonal-naive scale
    open_ = (f > 0) | (a > 0)
    n_band = int(open_.sum())
    in_band = int((open_ & (a >= low) & (a <= high)).sum())
    return {
        "queue": past.queue, "client": past.client, "channel": past.channel,
        "language": past.language, "origin": origin, "model": method,
        "horizon_days": horizon_days, "n_intervals": int(a.size),
        "actual": float(a.sum()), "abs_error": float(np.abs(f - a).sum()),
        "error": float((f - a).sum()), "n_band": n_band, "in_band": in_band,
        "wape": wape(a, f), "mase": scaled, "bias": bias(a, f),
        "coverage": in_band / n_band if n_band else float("nan"),
    }
