"""Daylight saving in Europe/Helsinki: 23- and 25-hour days from history to forecast grid.

2026-03-29: 03:00 EET jumps to 04:00 EEST (UTC+2 -> UTC+3), a 23-hour day.
2026-10-25: 04:00 EEST goes back to 03:00 EET (UTC+3 -> UTC+2), a 25-hour day.
"""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from forecasts.backtest import backtest
from forecasts.core import forecast, queue_histories
from forecasts.history import read_history_text, resample_history
from tests.forecasts.synthetic import TIMEZONE, expected_contacts, synthetic_history

SPRING, AUTUMN = date(2026, 3, 29), date(2026, 10, 25)
HOURS = {SPRING: 23, AUTUMN: 25}


def day_starts(day: date, minutes: int) -> pd.DatetimeIndex:
    """Every interval start of a local day, in local time."""
    begin = pd.Timestamp(day, tz=TIMEZONE)
    end = pd.Timestamp(day + timedelta(days=1), tz=TIMEZONE)
    return pd.date_range(begin, end, freq=f"{minutes}min", inclusive="left")


def day_csv(day: date, minutes: int, naive: bool) -> str:
    """A whole local day of history as CSV, stamped with offsets or as naive local times."""
    starts = day_starts(day, minutes)
    stamps = (starts.strftime("%Y-%m-%d %H:%M") if naive
              else [t.isoformat() for t in starts])
    lines = [f"{s},acme,voice,{i % 7},fi,{100 + i}" for i, s in enumerate(stamps)]
    return "interval_start,client,channel,contacts,language,aht_seconds\n" + "\n".join(lines)


@pytest.mark.parametrize("naive", [False, True], ids=["offsets", "naive-local"])
@pytest.mark.parametrize("day", [SPRING, AUTUMN], ids=["23-hour", "25-hour"])
def test_a_whole_dst_day_reads_to_every_real_interval(day, naive):
    frame = read_history_text(day_csv(day, 30, naive))
    assert len(frame) == 2 * HOURS[day]
    starts = frame["interval_start"]
    assert starts.iloc[0] == pd.Timestamp(day, tz=TIMEZONE).tz_convert("UTC")
    assert (starts.diff().dropna() == pd.Timedelta(minutes=30)).all()  # no hole, no repeat
    assert frame["contacts"].tolist() == [i % 7 for i in range(len(frame))]  # in file order


@pytest.mark.parametrize("day", [SPRING, AUTUMN], ids=["23-hour", "25-hour"])
def test_offsets_and_naive_local_times_read_the_same(day):
    with_offsets = read_history_text(day_csv(day, 15, naive=False))
    naive = read_history_text(day_csv(day, 15, naive=True))
    pd.testing.assert_frame_equal(with_offsets, naive)


@pytest.mark.parametrize("day", [SPRING, AUTUMN], ids=["23-hour", "25-hour"])
@pytest.mark.parametrize(("source", "target"), [(5, 15), (6, 30), (15, 30), (15, 60), (30, 60)])
def test_resampling_across_the_change_keeps_every_interval(day, source, target):
    fine = read_history_text(day_csv(day, source, naive=True))
    coarse = resample_history(fine, target)
    assert len(coarse) == HOURS[day] * 60 // target
    assert coarse["contacts"].sum() == fine["contacts"].sum()
    assert (coarse["interval_start"].diff().dropna() == pd.Timedelta(minutes=target)).all()
    local = coarse["interval_start"].dt.tz_convert(TIMEZONE)
    assert (local.dt.minute % target == 0).all()  # on the local grid, EET and EEST alike


def test_day_matrix_lines_dst_days_up_with_normal_days():
    history = synthetic_history(date(2026, 3, 23), 217)  # through both changes
    matrix = queue_histories(history, interval_minutes=30)["client0-voice-fi"].matrix()
    spring, autumn = ((d - matrix.first_day).days for d in (SPRING, AUTUMN))
    assert np.isnan(matrix.values[spring, 6:8]).all()  # 03:00 and 03:30 never happened
    assert not matrix.missing[spring].any()  # ... and are not lost data either
    assert np.isfinite(np.delete(matrix.values, [spring], axis=0)).all()
    assert matrix.values[autumn].shape == (48,)  # 03:00-03:59 twice, held once


def test_spring_forecast_grid_skips_the_lost_hour_and_keeps_local_times():
    history = synthetic_history(date(2026, 2, 9), 42)  # six weeks before Monday 23 March
    result = forecast(history, start=date(2026, 3, 23), days=14, interval_minutes=30)
    for _, rows in result.groupby("queue"):
        assert len(rows) == 14 * 48 - 2
        assert (rows["interval_start"].diff().dropna() == pd.Timedelta(minutes=30)).all()
        local = rows["interval_start"].dt.tz_convert(TIMEZONE)
        lost = (local.dt.date == SPRING) & (local.dt.hour == 3)
        assert not lost.any()
    queue = result[result["queue"] == "client0-voice-fi"]
    truth = expected_contacts(pd.DatetimeIndex(queue["interval_start"]))
    normal = (queue["interval_start"].dt.tz_convert(TIMEZONE).dt.date
              != date(2026, 4, 3)).to_numpy()  # Good Friday: a holiday, forecast apart
    assert np.abs(queue["contacts"].to_numpy() - truth)[normal].max() < 0.75  # EEST as EET


@pytest.mark.parametrize(("origin", "intervals"), [
    (date(2026, 3, 23), 7 * 48 - 2),  # the lost spring hour is not scored
    (date(2026, 10, 19), 7 * 48),  # the repeated autumn hour is scored once, as its mean
])
def test_backtest_windows_across_the_changes(origin, intervals):
    history = synthetic_history(origin - timedelta(weeks=3), 28)
    results = backtest(history, origins=[origin], methods=["seasonal_naive"], horizons=(7,))
    assert (results["n_intervals"] == intervals).all()
    assert results["wape"].max() == pytest.approx(0.0, abs=0.02)
