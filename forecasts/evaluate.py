"""Forecast accuracy metrics as pure functions over aligned actual and forecast values."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def wape(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Weighted absolute percentage error: sum |actual - forecast| / sum actual."""
    a, f = _aligned(actual, forecast)
    total = np.abs(a).sum()
    if total == 0:
        return 0.0 if np.abs(f).sum() == 0 else float("inf")
    return float(np.abs(a - f).sum() / total)


def bias(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Relative bias: sum (forecast - actual) / sum actual (positive = over-forecast)."""
    a, f = _aligned(actual, forecast)
    total = a.sum()
    if total == 0:
        return 0.0 if f.sum() == 0 else float("inf")
    return float((f - a).sum() / total)


def mase(actual: ArrayLike, forecast: ArrayLike, insample: ArrayLike, season_length: int) -> float:
    """Mean absolute scaled error: MAE over the in-sample MAE of the seasonal naive method.

    `season_length` is in intervals (e.g. 7 * 48 for a week of half hours).
    """
    a, f = _aligned(actual, forecast)
    history = np.asarray(insample, dtype=float)
    if history.size <= season_length:
        raise ValueError("in-sample history must be longer than one season")
    scale = np.nanmean(np.abs(history[season_length:] - history[:-season_length]))
    if scale == 0:
        return float("inf") if np.abs(a - f).mean() > 0 else 0.0
    return float(np.abs(a - f).mean() / scale)


def _aligned(actual: ArrayLike, forecast: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Both series as float arrays of one length."""
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    if a.shape != f.shape:
        raise ValueError(f"actual has shape {a.shape}, forecast {f.shape}")
    return a, f
