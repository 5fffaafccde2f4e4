"""Real data: on the Anonymous Bank 1999 arrivals the production method beats a seasonal average.

Taylor (2008): beyond a few days ahead "a simplistic historical average is difficult to
beat"; a forecaster that loses to it at one to two weeks ahead is broken.
"""

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasts.core import forecast
from forecasts.evaluate import wape
from forecasts.history import history_from_records

DATA = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "forecasting"
        / "anonymous_bank_1999" / "calls_6min_1999H1.csv")
TIMEZONE = "Asia/Jerusalem"


@pytest.fixture(scope="module")
def bank_history() -> pd.DataFrame:
    """Half-hourly arrivals, local Israeli time (the skipped spring hour dropped)."""
    if not DATA.exists():
        pytest.skip(f"{DATA} not found")
    raw = pd.read_csv(DATA)
    starts = pd.to_datetime(raw["date"] + " " + raw["slot_start"]).dt.floor("30min")
    calls = raw["calls"].groupby(starts).sum()  # 1999-05-23 holds imputed half-values
    exists = calls.index.tz_localize(TIMEZONE, nonexistent="NaT", ambiguous="NaT").notna()
    calls = calls[exists]
    return history_from_records(
        pd.DataFrame({"interval_start": calls.index, "client": "bank", "channel": "voice",
                      "contacts": calls.round().astype(int).to_numpy()}),
        timezone=TIMEZONE,
    )


@pytest.mark.parametrize("lead_weeks", [1, 2])
def test_weekday_profile_beats_seasonal_average(bank_history, lead_weeks):
    origins = [date(1999, 3, 7) + timedelta(weeks=k) for k in range(0, 14, 2)]  # Sundays
    errors = {}
    for method in ("weekday_profile", "seasonal_average"):
        actual, predicted = [], []
        for origin in origins:
            cut = pd.Timestamp(origin, tz=TIMEZONE).tz_convert("UTC")
            result = forecast(bank_history[bank_history["interval_start"] < cut],
                              start=origin + timedelta(weeks=lead_weeks - 1), days=7,
                              interval_minutes=30, timezone=TIMEZONE, method=method,
                              holiday_country="IL")
            observed = bank_history.set_index("interval_start")["contacts"]
            actual.append(observed.reindex(result["interval_start"]).fillna(0).to_numpy())
            predicted.append(result["contacts"].to_numpy())
        errors[method] = wape(np.concatenate(actual), np.concatenate(predicted))
    assert errors["weekday_profile"] < errors["seasonal_average"], errors
