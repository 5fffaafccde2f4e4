"""Benchmark on real data: Anonymous Bank 1999 arrivals, half-hourly, weekly origins May-June.

Run as `python -m forecasts.bench [--data FILE]`. Trains on history up to each origin (the
first origin is 1 May, so the first fit sees January-April), forecasts 7 days from each
weekly origin through June, and prints the pooled WAPE of every method and of the automatic
choice (per origin, the method with the lowest 7-day WAPE over the four earlier weekly
origins whose windows had ended: no peeking), with the ratios issue 3 asks about.

The site is in Israel: local time Asia/Jerusalem, Israeli public holidays.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from forecasts.backtest import AUTO, METHODS, auto_choices, backtest, summarise, with_auto
from forecasts.cli import ProgressBar
from forecasts.history import history_from_records

DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "forecasting"
        / "anonymous_bank_1999" / "calls_6min_1999H1.csv")
TIMEZONE = "Asia/Jerusalem"
HOLIDAY_COUNTRY = "IL"
INTERVAL_MINUTES = 30
HORIZON_DAYS = 7
FIRST_TEST_ORIGIN = date(1999, 5, 1)
LAST_DAY = date(1999, 6, 30)
SELECTION_ORIGINS = 4


def bank_history(path: Path = DATA) -> pd.DataFrame:
    """The 6-minute arrivals as a canonical half-hourly history (skipped spring hour dropped)."""
    raw = pd.read_csv(path)
    starts = pd.to_datetime(raw["date"] + " " + raw["slot_start"]).dt.floor(
        f"{INTERVAL_MINUTES}min")
    calls = raw["calls"].groupby(starts).sum()  # 1999-05-23 holds imputed half-values
    exists = calls.index.tz_localize(TIMEZONE, nonexistent="NaT", ambiguous="NaT").notna()
    calls = calls[exists]
    return history_from_records(
        pd.DataFrame({"interval_start": calls.index, "client": "bank", "channel": "voice",
                      "contacts": calls.round().astype(int).to_numpy()}),
        timezone=TIMEZONE,
    )


def test_origins() -> list[date]:
    """Weekly origins from 1 May whose 7-day windows end by 30 June."""
    origins, origin = [], FIRST_TEST_ORIGIN
    while origin + timedelta(days=HORIZON_DAYS - 1) <= LAST_DAY:
        origins.append(origin)
        origin += timedelta(weeks=1)
    return origins


def run(path: Path = DATA) -> pd.DataFrame:
    """Backtest every method (and auto) and return the pooled 7-day summary of test origins."""
    history = bank_history(path)
    tests = test_origins()
    selection = [FIRST_TEST_ORIGIN - timedelta(weeks=k) for k in range(SELECTION_ORIGINS, 0, -1)]
    results = backtest(history, origins=selection + tests, interval_minutes=INTERVAL_MINUTES,
                       horizons=(1, HORIZON_DAYS), timezone=TIMEZONE,
                       holiday_country=HOLIDAY_COUNTRY, progress=ProgressBar("backtesting"))
    picks = auto_choices(results, selection_origins=SELECTION_ORIGINS, horizon_days=HORIZON_DAYS)
    print("auto's picks per origin: " + ", ".join(
        f"{o:%d.%m} {m}" for o, m in zip(picks["origin"], picks["model"], strict=True)),
        file=sys.stderr)
    results = with_auto(results, selection_origins=SELECTION_ORIGINS, horizon_days=HORIZON_DAYS)
    return summarise(results[results["origin"].isin(tests)])


def report(summary: pd.DataFrame) -> str:
    """The side-by-side table and the issue's checks."""
    week = summary[summary["horizon_days"] == HORIZON_DAYS].set_index("model")
    day = summary[summary["horizon_days"] == 1].set_index("model")
    naive = week.loc["seasonal_naive", "wape"]
    lines = [f"Anonymous Bank 1999, {INTERVAL_MINUTES}-min, {int(week['origins'].max())} weekly "
             f"origins {FIRST_TEST_ORIGIN:%d.%m}-{test_origins()[-1]:%d.%m.%Y}",
             f"{'model':<18}{'WAPE 7d':>9}{'vs naive':>10}{'MASE 7d':>9}{'bias 7d':>9}"
             f"{'WAPE 1d':>9}"]
    for model in [*METHODS, AUTO]:
        w = week.loc[model]
        lines.append(f"{model:<18}{w['wape']:>9.4f}{w['wape'] / naive - 1:>+10.1%}"
                     f"{w['mase']:>9.3f}{w['bias']:>+9.3f}{day.loc[model, 'wape']:>9.4f}")
    auto = week.loc[AUTO, "wape"]
    lines.append(f"auto at least 10 % below seasonal naive: {auto <= 0.9 * naive}")
    lines.append("auto no worse than seasonal average: "
                 f"{auto <= week.loc['seasonal_average', 'wape']}")
    lines.append("statsforecast AutoETS / MSTL: not run (statsforecast is not installed)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table."""
    parser = argparse.ArgumentParser(prog="python -m forecasts.bench", description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA, help="calls_6min_1999H1.csv")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"{args.data} not found", file=sys.stderr)
        return 2
    started = time.perf_counter()
    print(report(run(args.data)))
    print(f"({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
