"""Uplifts over date ranges and a client's expected volume for queues with little history."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from forecasts.core import forecast
from forecasts.history import empty_history
from forecasts.special import ExpectedVolume, Uplift, typical_week
from tests.forecasts.synthetic import synthetic_history

START = date(2026, 11, 2)  # a Monday
TIMEZONE = "Europe/Helsinki"


@pytest.fixture(scope="module")
def six_weeks():
    """Six weeks of noiseless history for two queues (client0, client1), ending before START."""
    return synthetic_history(START - timedelta(weeks=6), 42, queues=2)


def daily(frame: pd.DataFrame, queue: str) -> pd.Series:
    """Forecast contacts per local day of one queue."""
    rows = frame[frame["queue"] == queue]
    return rows.groupby(rows["interval_start"].dt.tz_convert(TIMEZONE).dt.date)["contacts"].sum()


def test_uplift_scales_a_queue_over_its_dates_only(six_weeks):
    base = forecast(six_weeks, start=START, days=7, interval_minutes=30)
    campaign = Uplift("client0-voice-fi", START + timedelta(days=1), START + timedelta(days=2),
                      25, "spring campaign")
    lifted = forecast(six_weeks, start=START, days=7, interval_minutes=30, uplifts=[campaign])
    ratio = daily(lifted, "client0-voice-fi") / daily(base, "client0-voice-fi")
    assert ratio.tolist() == pytest.approx([1, 1.25, 1.25, 1, 1, 1, np.nan], nan_ok=True)
    assert daily(lifted, "client1-voice-fi").equals(daily(base, "client1-voice-fi"))
    on = lifted["model"].str.contains("spring campaign")
    assert on.sum() == 2 * 48
    assert (lifted.loc[on, "contacts_high"] >= lifted.loc[on, "contacts"]).all()


def test_uplifts_for_a_client_multiply(six_weeks):
    base = forecast(six_weeks, start=START, days=7, interval_minutes=30)
    uplifts = [Uplift("client1", START, START, 50, "outage follow-up"),
               Uplift("client1-voice-fi", START, START, -20, "web self-service")]
    lifted = forecast(six_weeks, start=START, days=7, interval_minutes=30, uplifts=uplifts)
    first = daily(lifted, "client1-voice-fi")[START] / daily(base, "client1-voice-fi")[START]
    assert first == pytest.approx(1.5 * 0.8)


def test_uplift_rejects_impossible_values():
    with pytest.raises(ValueError, match="ends before"):
        Uplift("acme", START, START - timedelta(days=1), 10, "typo")
    with pytest.raises(ValueError, match="no contacts"):
        Uplift("acme", START, START, -100, "typo")


def test_typical_week_sums_to_one_and_keeps_closed_hours_closed():
    week = typical_week("email", 30)
    assert week.sum() == pytest.approx(1.0)
    assert week[5:].sum() == 0  # email: no weekend
    assert week[0, :16].sum() == 0 and week[0, 32:].sum() == 0  # 08-16 only


def test_queue_without_history_uses_the_expected_weekly_volume(six_weeks):
    new = ExpectedVolume("newco", "chat", "en", contacts_per_week=700, aht_seconds=420)
    result = forecast(six_weeks, start=START, days=14, interval_minutes=30, expected=[new])
    rows = result[result["queue"] == "newco-chat-en"]
    assert rows["contacts"].sum() == pytest.approx(1400)
    assert (rows["aht_seconds"] == 420).all()
    assert rows["model"].str.contains("expected volume 700/week x typical chat week "
                                      r"\(no history\)").all()
    assert set(result["queue"]) == {"newco-chat-en", "client0-voice-fi", "client1-voice-fi"}


def test_no_history_at_all_but_an_expected_volume():
    new = ExpectedVolume("newco", "voice", "fi", contacts_per_week=350, aht_seconds=300)
    result = forecast(empty_history(), start=START, days=7, interval_minutes=60, expected=[new])
    assert len(result) == 7 * 24
    assert result["contacts"].sum() == pytest.approx(350)


def test_short_history_prefers_the_expected_volume(six_weeks):
    short = six_weeks[six_weeks["interval_start"]
                      >= pd.Timestamp(START - timedelta(days=5), tz=TIMEZONE)]
    expected = ExpectedVolume("client0", "voice", "fi", contacts_per_week=1000, aht_seconds=200)
    result = forecast(short, start=START, days=7, interval_minutes=30, expected=[expected])
    given = result[result["queue"] == "client0-voice-fi"]
    assert given["contacts"].sum() == pytest.approx(1000)
    assert given["model"].str.contains(r"\(short history: 5 days\)").all()
    other = result[result["queue"] == "client1-voice-fi"]  # no expected volume: own history
    assert other["model"].str.contains("short history: 5 days").all()
    assert not other["model"].str.contains("expected volume").any()
