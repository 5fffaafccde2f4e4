"""Rolling-origin backtests of every forecasting method, and the choice of method per queue.

At each origin (a local day) every method is fitted on the history before that day only
(`forecasts.core.forecast` cuts it) and forecasts the next `max(horizons)` days. A horizon of
h days scores the first h of those days against what happened: all intervals of the
planning grid, missing history read as zero contacts, like the forecaster reads it.

The result is one tidy row per queue x origin x model x horizon with the sums needed to pool
origins honestly (`actual`, `abs_error`, `error`) and the per-origin WAPE, MASE and bias.
MASE scales by the in-sample mean absolute error of the same-interval-last-week forecast
over the history before the origin (seasonal period one week).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from forecasts.core import forecast
from forecasts.evaluate import bias, mase, wape
from forecasts.history import resample_history
from forecasts.models import MODELS

METHODS = tuple(MODELS)
HORIZONS = (1, 7)
SELECTION_HORIZON = 7  # choose the method that is best a week ahead: what rosters are built on
AUTO = "auto"
RESULT_COLUMNS = (
    "queue", "client", "channel", "language", "origin", "model", "horizon_days",
    "n_intervals", "actual", "abs_error", "error", "wape", "mase", "bias",
)
Progress = Callable[[int, int], None]


def weekly_origins(history: pd.DataFrame, *, count: int, horizon_days: int,
                   timezone: str = "Europe/Helsinki") -> list[date]:
    """The last `count` weekly origins whose `horizon_days` days all lie inside the history."""
    last_day = history["interval_start"].max().tz_convert(timezone).date()
    newest = last_day + timedelta(days=1) - timedelta(days=horizon_days)
    return [newest - timedelta(weeks=k) for k in range(count - 1, -1, -1)]


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
    models: Mapping[str, Callable[[], object]] | None = None,
) -> pd.DataFrame:
    """Score each method at each origin and horizon for every queue (columns RESULT_COLUMNS).

    `progress(done, total)` is called after each origin x method forecast; `models` is the
    registry the methods are looked up in (default MODELS).
    """
    if not origins:
        raise ValueError("a backtest needs at least one origin")
    registry = MODELS if models is None else models
    unknown = [m for m in methods if m not in registry]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)}; "
                         f"choose from {', '.join(registry)}")
    history = resample_history(history, interval_minutes)
    max_days = max(horizons)
    season = 7 * 1440 // interval_minutes
    total = len(origins) * len(methods)
    rows: list[dict] = []
    done = 0
    for origin in origins:
        cut = pd.Timestamp(origin, tz=timezone).tz_convert("UTC")
        past = history[history["interval_start"] < cut]
        insample = _insample(past, interval_minutes, cut)
        for method in methods:
            predicted = forecast(past, start=origin, days=max_days,
                                 interval_minutes=interval_minutes, timezone=timezone,
                                 method=method, holiday_country=holiday_country,
                                 models=registry)
            scored = _with_actuals(predicted, history)
            local_day = scored["interval_start"].dt.tz_convert(timezone).dt.date
            lead_days = np.array([(d - origin).days for d in local_day])
            for queue, part in scored.groupby("queue", sort=True):
                lead = lead_days[part.index.to_numpy()]
                for h in horizons:
                    window = part[lead < h]
                    rows.append(_score(window, queue, origin, method, h,
                                       insample.get(queue), season))
            done += 1
            if progress is not None:
                progress(done, total)
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Pool origins: WAPE and bias over all origins' intervals, MASE as the mean per origin."""
    keys = ["queue", "model", "horizon_days"]
    pooled = results.groupby(keys, sort=True).agg(
        origins=("origin", "nunique"), actual=("actual", "sum"), abs_error=("abs_error", "sum"),
        error=("error", "sum"), mase=("mase", "mean"),
    ).reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled["wape"] = pooled["abs_error"] / pooled["actual"]
        pooled["bias"] = pooled["error"] / pooled["actual"]
    return pooled[keys + ["origins", "wape", "mase", "bias"]]


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


def _with_actuals(predicted: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """The forecast frame with an `actual` column (missing history = 0 contacts)."""
    observed = history[["queue", "interval_start", "contacts"]].rename(
        columns={"contacts": "actual"})
    scored = predicted.merge(observed, on=["queue", "interval_start"], how="left")
    scored["actual"] = scored["actual"].fillna(0).astype(float)
    return scored


def _insample(past: pd.DataFrame, interval_minutes: int,
              cut: pd.Timestamp) -> dict[str, np.ndarray]:
    """Each queue's contacts on a regular UTC grid from its first row up to `cut` (gaps = 0)."""
    out = {}
    for queue, rows in past.groupby("queue", sort=False):
        grid = pd.date_range(rows["interval_start"].min(), cut, freq=f"{interval_minutes}min",
                             inclusive="left")
        out[queue] = (rows.set_index("interval_start")["contacts"].reindex(grid, fill_value=0)
                      .to_numpy(dtype=float))
    return out


def _score(window: pd.DataFrame, queue: str, origin: date, method: str, horizon_days: int,
           insample: np.ndarray | None, season: int) -> dict:
    """One result row: sums and metrics of a queue's forecast window."""
    actual = window["actual"].to_numpy()
    predicted = window["contacts"].to_numpy()
    if insample is not None and insample.size > season:
        scaled = mase(actual, predicted, insample, season)
    else:
        scaled = float("nan")  # under a week of history: no seasonal-naive scale
    head = window.iloc[0]
    return {
        "queue": queue, "client": head["client"], "channel": head["channel"],
        "language": head["language"], "origin": origin, "model": method,
        "horizon_days": horizon_days, "n_intervals": len(window),
        "actual": float(actual.sum()), "abs_error": float(np.abs(predicted - actual).sum()),
        "error": float((predicted - actual).sum()), "wape": wape(actual, predicted),
        "mase": scaled, "bias": bias(actual, predicted),
    }
