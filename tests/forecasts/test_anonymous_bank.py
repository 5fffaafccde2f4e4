"""Real data: on the Anonymous Bank 1999 arrivals the automatic choice beats the baselines.

Taylor (2008): beyond a few days ahead "a simplistic historical average is difficult to
beat"; a forecaster that loses to it at one to two weeks ahead is broken. The issue's splits:
30-minute intervals, trained up to April, weekly origins through May-June, 7 days ahead.
"""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from forecasts import bench
from forecasts.core import forecast
from forecasts.evaluate import wape

TIMEZONE = bench.TIMEZONE


@pytest.fixture(scope="module")
def bank_history() -> pd.DataFrame:
    """Half-hourly arrivals, local Israeli time (the skipped spring hour dropped)."""
    if not bench.DATA.exists():
        pytest.skip(f"{bench.DATA} not found")
    return bench.bank_history()


@pytest.fixture(scope="module")
def issue_splits(bank_history) -> pd.DataFrame:
    """The benchmark's pooled 7-day summary on the issue's splits, without statsforecast."""
    summary = bench.run(others={}, progress=False)
    return summary[summary["horizon_days"] == bench.HORIZON_DAYS].set_index("model")


def test_auto_is_ten_percent_better_than_seasonal_naive(issue_splits):
    assert issue_splits.loc["auto", "origins"] == len(bench.evaluation_origins()) == 8
    assert issue_splits.loc["auto", "wape"] <= 0.9 * issue_splits.loc["seasonal_naive", "wape"]


def test_auto_is_no_worse_than_the_seasonal_average(issue_splits):
    assert issue_splits.loc["auto", "wape"] <= issue_splits.loc["seasonal_average", "wape"]


def test_auto_band_covers_about_eighty_percent(issue_splits):
    assert 0.7 <= issue_splits.loc["auto", "coverage"] <= 0.9


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
