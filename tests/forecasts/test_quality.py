"""History checks: missing vs closed intervals, outliers flagged not dropped, 5/6-minute data."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from fixtures.history import write_history_csv
from forecasts.history import history_from_records, resample_history
from forecasts.quality import check_history
from tests.forecasts.synthetic import synthetic_history
from web.cli import main

FIRST_DAY = date(2026, 9, 7)  # a Monday; five weeks stay clear of the October clock change


@pytest.fixture(scope="module")
def five_weeks():
    """Five weeks of one noisy queue, open 08-20 Monday-Saturday."""
    return synthetic_history(FIRST_DAY, 35, noise=True, seed=3)


def test_tells_missing_intervals_from_closed_hours():
    history = synthetic_history(FIRST_DAY, 35)  # noiseless: every open interval has contacts
    exported = history[history["contacts"] > 0]  # exports leave closed hours out
    lost = exported.iloc[[40, 300]]["interval_start"].tolist()  # two open-hours intervals
    exported = exported[~exported["interval_start"].isin(lost)].reset_index(drop=True)
    report = check_history(exported)
    assert report.interval_minutes == 30
    assert report.missing["interval_start"].tolist() == lost
    assert report.closed_intervals > 20 * 34  # every night and Sunday
    assert "2 missing interval(s) inside usual open hours" in report.summary()[1]


def test_flags_outliers_and_keeps_them(five_weeks):
    spiked = five_weeks.copy()
    row = spiked.index[(spiked["contacts"] > 10)][50]
    spiked.loc[row, "contacts"] *= 10
    report = check_history(spiked)
    assert report.outliers["interval_start"].tolist() == [spiked.loc[row, "interval_start"]]
    assert report.outliers["contacts"].iloc[0] == spiked.loc[row, "contacts"]
    assert report.outliers["usual_contacts"].iloc[0] < spiked.loc[row, "contacts"] / 3
    assert len(spiked) == len(five_weeks)  # nothing dropped
    assert "1 outlier interval(s) flagged, kept" in report.summary()[2]


@pytest.mark.parametrize(("minutes", "targets"), [(5, (15, 30, 60)), (6, (30, 60))])
def test_accepts_5_and_6_minute_data_and_resamples(minutes, targets):
    fine = synthetic_history(FIRST_DAY, 2, interval_minutes=minutes)
    assert check_history(fine).interval_minutes == minutes
    for target in targets:
        coarse = resample_history(fine, target)
        assert coarse["contacts"].sum() == fine["contacts"].sum()
        steps = coarse["interval_start"].diff().dropna()
        assert (steps % pd.Timedelta(minutes=target) == pd.Timedelta(0)).all()


def test_6_minute_data_does_not_split_into_quarter_hours():
    fine = synthetic_history(FIRST_DAY, 1, interval_minutes=6)
    with pytest.raises(ValueError, match="6-minute intervals.*choose 30 or 60"):
        resample_history(fine, 15)


def test_6_minute_aht_is_contact_weighted_into_30_minutes():
    starts = pd.date_range("2026-09-07 08:00", periods=5, freq="6min", tz="Europe/Helsinki")
    fine = history_from_records(pd.DataFrame({
        "interval_start": starts, "client": "acme", "channel": "voice",
        "contacts": [1, 0, 3, 0, 0], "aht_seconds": [100, np.nan, 200, np.nan, np.nan]}))
    coarse = resample_history(fine, 30)
    assert coarse["contacts"].tolist() == [4]
    assert coarse["aht_seconds"].iloc[0] == pytest.approx(175.0)


def test_cli_says_what_the_history_holds(tmp_path, capsys):
    history = synthetic_history(FIRST_DAY, 21, interval_minutes=6)
    history = history[history["contacts"] > 0]
    path = tmp_path / "history.csv"
    write_history_csv(history, str(path))
    code = main(["forecast", "--history", str(path), "--horizon", "7d", "--interval", "30min",
                 "--method", "weekday_profile", "--out", str(tmp_path / "out.csv")])
    assert code == 0
    err = capsys.readouterr().err
    assert "6-minute intervals, resampled to 30-minute" in err
    assert "0 missing interval(s) inside usual open hours" in err
    assert "outlier interval(s) flagged, kept" in err
