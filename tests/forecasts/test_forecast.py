"""Forecasts on synthetic history with a known weekday x time-of-day pattern."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from forecasts.core import FORECAST_COLUMNS, forecast
from forecasts.history import history_from_records
from scheduler.grid import Grid
from tests.forecasts.synthetic import expected_contacts, synthetic_history

START = date(2026, 11, 2)  # a Monday


@pytest.fixture(scope="module")
def ten_weeks():
    """Ten weeks of noiseless history for two queues, ending the day before START."""
    return synthetic_history(START - timedelta(weeks=10), 70, queues=2)


@pytest.mark.parametrize("method", ["weekday_profile", "seasonal_naive", "seasonal_average"])
def test_reproduces_weekday_and_time_of_day_pattern(ten_weeks, method):
    result = forecast(ten_weeks, start=START, days=7, interval_minutes=30, method=method)
    queue = result[result["queue"] == "client0-voice-fi"]
    truth = expected_contacts(pd.DatetimeIndex(queue["interval_start"]))
    # history is the pattern rounded to whole contacts: allow that rounding
    assert np.abs(queue["contacts"].to_numpy() - truth).max() < 0.75
    local = queue["interval_start"].dt.tz_convert("Europe/Helsinki")
    daily = queue.groupby(local.dt.day_of_week)["contacts"].sum()
    assert daily[0] / daily[2] == pytest.approx(1.3, rel=0.03)
    assert daily[5] / daily[2] == pytest.approx(0.4, rel=0.03)


def test_covers_the_planning_grid_across_the_autumn_clock_change(ten_weeks):
    start = date(2026, 10, 19)
    history = ten_weeks[ten_weeks["interval_start"] < pd.Timestamp("2026-10-19", tz="UTC")]
    result = forecast(history, start=start, days=14, interval_minutes=30)
    assert list(result.columns) == list(FORECAST_COLUMNS)
    grid = Grid(start, 14, 30)
    for _, rows in result.groupby("queue"):
        assert rows["interval_start"].tolist() == [
            pd.Timestamp(grid.interval_start(t)) for t in range(grid.n_intervals)]
    assert str(result["interval_start"].dt.tz) == "UTC"
    # Sunday 25 Oct has 25 hours (50 intervals); the shop is closed then, Monday is normal
    assert len(grid.day_range(6)) == 50
    queue = result[result["queue"] == "client0-voice-fi"]
    truth = expected_contacts(pd.DatetimeIndex(queue["interval_start"]))
    local_day = queue["interval_start"].dt.tz_convert("Europe/Helsinki").dt.date
    normal = (local_day != date(2026, 10, 31)).to_numpy()  # All Saints' Day: a holiday
    assert np.abs(queue["contacts"].to_numpy() - truth)[normal].max() < 0.75


def test_closed_hours_forecast_zero(ten_weeks):
    result = forecast(ten_weeks, start=START, days=7, interval_minutes=30)
    local = result["interval_start"].dt.tz_convert("Europe/Helsinki")
    closed = (local.dt.hour < 8) | (local.dt.hour >= 20) | (local.dt.day_of_week == 6)
    assert (result.loc[closed, ["contacts", "contacts_low", "contacts_high"]] == 0).all().all()
    assert (result.loc[~closed, "contacts"] > 0).all()


def test_band_contains_the_point_forecast():
    noisy = synthetic_history(START - timedelta(weeks=12), 84, noise=True, seed=3)
    for method in ("weekday_profile", "seasonal_naive", "seasonal_average"):
        result = forecast(noisy, start=START, days=7, interval_minutes=30, method=method)
        assert (result["contacts_low"] <= result["contacts"]).all()
        assert (result["contacts"] <= result["contacts_high"]).all()
        assert (result["contacts_low"] >= 0).all()
        open_ = result["contacts"] > 5
        assert (result.loc[open_, "contacts_high"] > result.loc[open_, "contacts"]).all()


def test_band_covers_roughly_eighty_percent_of_new_data():
    noisy = synthetic_history(START - timedelta(weeks=12), 84 + 14, noise=True, seed=5)
    cut = pd.Timestamp(START, tz="Europe/Helsinki").tz_convert("UTC")
    result = forecast(noisy[noisy["interval_start"] < cut], start=START, days=14,
                      interval_minutes=30)
    actual = noisy[noisy["interval_start"] >= cut].set_index("interval_start")["contacts"]
    open_ = result[result["contacts"] > 0].set_index("interval_start")
    inside = (actual[open_.index] >= open_["contacts_low"]) & (
        actual[open_.index] <= open_["contacts_high"])
    assert 0.65 < inside.mean() < 0.95


def test_finnish_holiday_forecast_lower_when_history_shows_it():
    # a year of history in which public holidays run at 30 % of a normal day
    history = synthetic_history(date(2025, 12, 1), 400, holiday_ratio=0.3)
    start = date(2027, 1, 4)  # Monday; Wednesday 6 Jan 2027 is Epiphany
    result = forecast(history, start=start, days=10, interval_minutes=30)
    queue = result[result["queue"] == "client0-voice-fi"]
    local_day = queue["interval_start"].dt.tz_convert("Europe/Helsinki").dt.date
    daily = queue.groupby(local_day)["contacts"].sum()
    epiphany, next_wednesday = date(2027, 1, 6), date(2027, 1, 13)
    assert daily[epiphany] == pytest.approx(0.3 * daily[next_wednesday], rel=0.05)
    assert queue.loc[local_day == epiphany, "model"].iloc[0].startswith("weekday_profile(holiday")


def test_holiday_without_history_is_like_a_sunday():
    history = synthetic_history(date(2026, 11, 9), 21)  # no holidays in these weeks
    start = date(2026, 11, 30)  # Independence Day is Sunday 6 Dec; Christmas is next
    result = forecast(history, start=start, days=28, interval_minutes=30)
    local_day = result["interval_start"].dt.tz_convert("Europe/Helsinki").dt.date
    christmas_eve = result[local_day == date(2026, 12, 24)]  # a Thursday
    assert christmas_eve["contacts"].sum() == 0  # Sundays are closed in this history
    assert "holiday as Sunday" in christmas_eve["model"].iloc[0]


def test_trend_is_followed_and_a_spike_day_ignored():
    base = synthetic_history(START - timedelta(weeks=12), 84)
    days_before = (pd.Timestamp(START, tz="UTC") - base["interval_start"]).dt.days
    growth = 1.5 - 0.5 * days_before / 84  # volume grows by half over twelve weeks
    scaled = base.assign(contacts=(base["contacts"] * growth * 10).round().astype(int))
    spike = scaled["interval_start"].dt.date == START - timedelta(days=5)  # last Wednesday
    scaled.loc[spike, "contacts"] *= 10
    result = forecast(scaled, start=START, days=7, interval_minutes=30)
    week = result["contacts"].sum()
    last_week = scaled.loc[days_before < 7, "contacts"].sum() - scaled.loc[spike, "contacts"].sum()
    last_week += scaled.loc[spike, "contacts"].sum() / 10
    assert week > last_week  # the trend carries on
    assert week == pytest.approx(last_week * 1.5 / 1.46, rel=0.05)


def test_short_history_falls_back_and_says_so():
    history = synthetic_history(START - timedelta(days=5), 5)  # Wednesday to Sunday
    result = forecast(history, start=START, days=7, interval_minutes=30)
    assert result["model"].str.contains("short history: 5 days").all()
    local = result["interval_start"].dt.tz_convert("Europe/Helsinki")
    daily = result.groupby(local.dt.day_of_week)["contacts"].sum()
    assert daily[0] > 0  # Monday not seen: the mean of the days seen
    truth = expected_contacts(pd.DatetimeIndex(result["interval_start"]))
    thursday = (local.dt.day_of_week == 3).to_numpy()
    assert np.abs(result["contacts"].to_numpy()[thursday] - truth[thursday]).max() < 0.75
    result = forecast(history, start=START, days=7, interval_minutes=30, method="seasonal_naive")
    assert result["model"].str.contains("short history").all()


def test_finer_history_is_resampled_and_aht_weighted():
    history = synthetic_history(START - timedelta(weeks=3), 21, interval_minutes=15)
    result = forecast(history, start=START, days=1, interval_minutes=60)
    assert len(result) == 24
    truth = expected_contacts(pd.DatetimeIndex(history["interval_start"]))  # from a Monday
    assert result["contacts"].sum() == pytest.approx(truth[:96].sum(), rel=0.02)
    assert set(result.loc[result["queue"] == "client0-voice-fi", "aht_seconds"]) == {180.0}


def test_history_after_start_is_not_used(ten_weeks):
    before = forecast(ten_weeks, start=START - timedelta(days=7), days=7, interval_minutes=30)
    doubled = ten_weeks.assign(contacts=ten_weeks["contacts"] * np.where(
        ten_weeks["interval_start"] >= pd.Timestamp(START - timedelta(days=7), tz="UTC"), 2, 1))
    after = forecast(doubled, start=START - timedelta(days=7), days=7, interval_minutes=30)
    assert np.allclose(before["contacts"], after["contacts"])


def test_queue_with_aht_by_time_of_day():
    starts = pd.date_range("2026-10-05 06:00", periods=28 * 48, freq="30min", tz="UTC")
    hour = starts.tz_convert("Europe/Helsinki").hour
    rows = pd.DataFrame({"interval_start": starts, "client": "acme", "channel": "chat",
                         "language": "en", "contacts": np.where(hour < 12, 4, 2),
                         "aht_seconds": np.where(hour < 12, 300.0, 600.0)})
    result = forecast(history_from_records(rows), start=START, days=1, interval_minutes=30)
    local_hour = result["interval_start"].dt.tz_convert("Europe/Helsinki").dt.hour
    assert set(result.loc[local_hour < 12, "aht_seconds"]) == {300.0}
    assert set(result.loc[local_hour >= 12, "aht_seconds"]) == {600.0}
    assert result["queue"].unique().tolist() == ["acme-chat-en"]


def test_no_history_before_start_is_an_error(ten_weeks):
    with pytest.raises(ValueError, match="no history"):
        forecast(ten_weeks, start=START - timedelta(weeks=20), days=7, interval_minutes=30)
    with pytest.raises(ValueError, match="unknown method"):
        forecast(ten_weeks, start=START, days=7, interval_minutes=30, method="prophet")
