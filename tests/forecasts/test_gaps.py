"""Missing intervals inside open hours are unknown, not zero; closed hours without rows are 0."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from forecasts.backtest import backtest
from forecasts.core import forecast, queue_histories
from tests.forecasts.synthetic import TIMEZONE, expected_contacts, synthetic_history

START = date(2026, 11, 2)  # a Monday


@pytest.fixture(scope="module")
def exported():
    """Six noiseless weeks as exports write them: no rows for closed hours."""
    history = synthetic_history(START - timedelta(weeks=6), 42)
    return history[history["contacts"] > 0].reset_index(drop=True)


def local_day(frame: pd.DataFrame) -> pd.Series:
    """Local day of each row."""
    return frame["interval_start"].dt.tz_convert(TIMEZONE).dt.date


def without_day(frame: pd.DataFrame, day: date) -> pd.DataFrame:
    """The history with every row of one local day lost."""
    return frame[local_day(frame) != day].reset_index(drop=True)


def test_a_lost_day_is_missing_and_closed_hours_are_zero(exported):
    lost = START - timedelta(days=7)  # last Monday
    histories = queue_histories(without_day(exported, lost), interval_minutes=30)
    matrix = histories["client0-voice-fi"].matrix()
    row = (lost - matrix.first_day).days
    hours = np.arange(48) / 2
    open_ = (hours >= 8) & (hours < 20)
    assert np.isnan(matrix.values[row, open_]).all() and matrix.missing[row, open_].all()
    assert (matrix.values[row, ~open_] == 0).all() and not matrix.missing[row, ~open_].any()
    assert (np.nan_to_num(matrix.values[:, ~open_]) == 0).all()  # nights: closed, not missing
    assert matrix.complete.sum() == matrix.n_days - 1


@pytest.mark.parametrize("method", ["seasonal_naive", "seasonal_average", "weekday_profile"])
def test_a_lost_day_does_not_pull_the_forecast_down(exported, method):
    # read as 0 contacts, the lost Monday would make the naive forecast 0 and the four-week
    # average three quarters of the truth
    history = without_day(exported, START - timedelta(days=7))
    result = forecast(history, start=START, days=7, interval_minutes=30, method=method)
    queue = result[result["queue"] == "client0-voice-fi"]
    truth = expected_contacts(pd.DatetimeIndex(queue["interval_start"]))
    assert np.abs(queue["contacts"].to_numpy() - truth).max() < 0.75
    local = queue["interval_start"].dt.tz_convert(TIMEZONE)
    night = ((local.dt.hour < 8) | (local.dt.hour >= 20)).to_numpy()
    assert (queue["contacts"].to_numpy()[night] == 0).all()


def test_lost_intervals_are_left_out_of_backtest_scores(exported):
    origin = START - timedelta(weeks=1)
    lost = exported[(local_day(exported) == origin + timedelta(days=2))
                    & (exported["queue"] == "client0-voice-fi")].index[:6]  # Wednesday morning
    full = backtest(exported, origins=[origin], methods=["seasonal_naive"], horizons=(7,))
    holed = backtest(exported.drop(index=lost), origins=[origin], methods=["seasonal_naive"],
                     horizons=(7,))
    before = full.set_index("queue").loc["client0-voice-fi"]
    after = holed.set_index("queue").loc["client0-voice-fi"]
    assert after["n_intervals"] == before["n_intervals"] - 6
    # noiseless weeks: last week is exactly right wherever something is known
    assert before["wape"] == pytest.approx(0.0) and after["wape"] == pytest.approx(0.0)
    assert after["actual"] == pytest.approx(
        before["actual"] - exported.loc[lost, "contacts"].sum())


def test_changed_opening_hours_are_not_mistaken_for_gaps():
    # open on Saturdays until eight weeks ago, closed since (no rows): Saturdays now forecast 0
    history = synthetic_history(START - timedelta(weeks=14), 98)
    history = history[history["contacts"] > 0]
    weekday = history["interval_start"].dt.tz_convert(TIMEZONE).dt.day_of_week
    recent = history["interval_start"] >= pd.Timestamp(START - timedelta(weeks=8), tz=TIMEZONE)
    history = history[~((weekday == 5) & recent)]
    result = forecast(history, start=START, days=7, interval_minutes=30,
                      method="weekday_profile")
    saturday = result["interval_start"].dt.tz_convert(TIMEZONE).dt.day_of_week == 5
    assert result.loc[saturday, "contacts"].sum() == 0
    assert result.loc[~saturday, "contacts"].sum() > 0


def test_a_public_holiday_without_rows_is_closed_not_missing():
    # closed on public holidays, and the export leaves them out: the forecaster learns a
    # holiday ratio of 0 rather than leaving the day out as lost data
    history = synthetic_history(date(2025, 11, 3), 120, holiday_ratio=0.0)
    history = history[history["contacts"] > 0]
    result = forecast(history, start=date(2026, 4, 1), days=7, interval_minutes=30)
    good_friday = result[local_day(result) == date(2026, 4, 3)]
    assert good_friday["contacts"].sum() == 0
    assert good_friday["model"].iloc[0].startswith("weekday_profile(holiday ratio 0.00")
