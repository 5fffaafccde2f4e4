"""`vuoro forecast` on files alone: round trip, output format, bad input, backtest table."""

from datetime import date, timedelta

import pandas as pd
import pytest

from fixtures.history import write_history_csv
from forecasts.cli import OUTPUT_COLUMNS, days_option, minutes_option
from tests.forecasts.synthetic import synthetic_history
from web.cli import main

START = date(2026, 10, 19)  # a Monday; the clocks go back on Sunday 25 October


@pytest.fixture(scope="module")
def history_csv(tmp_path_factory):
    """Eight weeks of noisy history for two queues, ending the day before START."""
    path = tmp_path_factory.mktemp("history") / "history.csv"
    frame = synthetic_history(START - timedelta(weeks=8), 56, queues=2, noise=True)
    write_history_csv(frame, str(path))
    return path


def test_forecast_round_trip_writes_local_times_with_offsets(history_csv, tmp_path):
    out = tmp_path / "forecast.csv"
    code = main(["forecast", "--history", str(history_csv), "--start", START.isoformat(),
                 "--horizon", "14d", "--interval", "30min", "--out", str(out)])
    assert code == 0
    result = pd.read_csv(out, dtype={"interval_start": str})
    assert list(result.columns) == list(OUTPUT_COLUMNS)
    # two queues x 14 days x 48 half hours, plus the repeated autumn hour (2 intervals)
    assert len(result) == 2 * (14 * 48 + 2)
    stamps = result["interval_start"]
    assert stamps.iloc[0] == "2026-10-19T00:00:00+03:00"
    assert (stamps == "2026-10-25T03:00:00+03:00").sum() == 2  # once per queue
    assert (stamps == "2026-10-25T03:00:00+02:00").sum() == 2
    assert stamps.iloc[-1] == "2026-11-01T23:30:00+02:00"
    assert (result["contacts_low"] <= result["contacts"]).all()
    assert (result["contacts"] <= result["contacts_high"]).all()
    assert result["aht_seconds"].notna().all()


@pytest.mark.parametrize("content, message", [
    ("interval_start,client,contacts\n2026-10-01T08:00,a,1\n", "missing required column"),
    ("interval_start,client,channel,contacts\nyesterday,a,voice,1\n", "ISO 8601"),
    ("interval_start,client,channel,contacts\n2026-10-01T08:00,a,voice,-3\n", "negative"),
    ("interval_start,client,channel,contacts\n2026-10-01T08:00,a,voice,1\n"
     "2026-10-01T08:00,a,voice,2\n", "duplicate"),
    ("", "empty"),
])
def test_broken_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, content,
                                                                message):
    history = tmp_path / "broken.csv"
    history.write_text(content)
    out = tmp_path / "forecast.csv"
    code = main(["forecast", "--history", str(history), "--start", "2026-10-19",
                 "--out", str(out), "--method", "weekday_profile"])
    assert code == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and message in error
    assert list(tmp_path.iterdir()) == [history]


def test_backtest_prints_every_model_at_both_horizons(history_csv, capsys):
    code = main(["forecast", "backtest", "--history", str(history_csv), "--origins", "4"])
    assert code == 0
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert lines[0].split() == ["queue", "model", "horizon", "origins", "wape", "mase", "bias",
                                "coverage"]
    rows = [line.split() for line in lines[1:]]
    assert all(0.3 < float(r[7]) <= 1 for r in rows)  # share of actuals inside the 80 % band
    assert len(rows) == 2 * 3 * 2  # queues x models x horizons
    assert {r[1] for r in rows} == {"seasonal_naive", "seasonal_average", "weekday_profile"}
    assert {r[2] for r in rows} == {"1d", "7d"}
    assert all(r[3] == "4" for r in rows)
    assert "12/12" in captured.err  # the progress bar finished


def test_options_read_units():
    assert days_option("14d") == 14 and days_option("2w") == 14 and days_option("3") == 3
    assert minutes_option("30min") == 30 and minutes_option("1h") == 60


def test_short_history_is_said_on_stderr_and_in_the_model_column(tmp_path, capsys):
    history = tmp_path / "short.csv"
    write_history_csv(synthetic_history(START - timedelta(days=9), 9, noise=True), str(history))
    out = tmp_path / "forecast.csv"
    assert main(["forecast", "--history", str(history), "--start", START.isoformat(),
                 "--horizon", "7d", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "client0-voice-fi: weekday_profile(short history: 9 days) | too little history to " \
           "backtest (9 days)" in err
    result = pd.read_csv(out)
    assert result["model"].str.contains("short history: 9 days").all()


def test_expected_volume_forecasts_a_queue_without_history(history_csv, tmp_path, capsys):
    out = tmp_path / "forecast.csv"
    assert main(["forecast", "--history", str(history_csv), "--start", START.isoformat(),
                 "--horizon", "14d", "--out", str(out), "--method", "seasonal_average",
                 "--expected-volume", "newco:chat:en=700@420",
                 "--expected-volume", "newco:voice=350"]) == 0
    result = pd.read_csv(out)
    chat = result[(result["client"] == "newco") & (result["channel"] == "chat")]
    assert chat["contacts"].sum() == pytest.approx(1400, rel=1e-3)
    assert (chat["aht_seconds"] == 420).all() and (chat["language"] == "en").all()
    voice = result[(result["client"] == "newco") & (result["channel"] == "voice")]
    assert voice["contacts"].sum() == pytest.approx(700, rel=1e-3)
    assert voice["aht_seconds"].iloc[0] == pytest.approx(180.5, abs=0.6)  # the history's voice
    assert voice["model"].str.startswith("expected volume 350/week x typical voice week "
                                         "(no history)").all()
    err = capsys.readouterr().err
    assert "newco-chat-en: expected volume 700/week x typical chat week (no history)" in err
    assert "client0-voice-fi: seasonal_average(4w)" in err


@pytest.mark.parametrize("spec, message", [
    ("newco:chat:en=700", "no chat AHT in the history"),
    ("newco:fax=700@300", "is not one of"),
    ("newco=700", "is not like"),
])
def test_bad_expected_volume_is_refused(history_csv, tmp_path, capsys, spec, message):
    out = tmp_path / "forecast.csv"
    try:
        code = main(["forecast", "--history", str(history_csv), "--out", str(out),
                     "--expected-volume", spec])
    except SystemExit as exit_:  # argparse refuses the option's form
        code = exit_.code
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
