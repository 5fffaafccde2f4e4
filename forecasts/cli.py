"""The `vuoro forecast` command: forecast or backtest a history CSV, files only (no database)."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from forecasts.backtest import (
    AUTO,
    HORIZONS,
    METHODS,
    backtest,
    forecast_auto,
    summarise,
    weekly_origins,
)
from forecasts.core import forecast
from forecasts.history import DEFAULT_LANGUAGE, HistoryError, read_history_csv
from forecasts.quality import check_history
from forecasts.special import ExpectedVolume
from scheduler.domain import CHANNELS, LANGUAGES

OUTPUT_COLUMNS = (
    "interval_start", "client", "channel", "language",
    "contacts", "contacts_low", "contacts_high", "aht_seconds", "model",
)
EXIT_BAD_INPUT = 2
EXPECTED_FORMAT = "client:channel[:language]=CONTACTS_PER_WEEK[@AHT_SECONDS]"


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the `forecast` subcommand (and its `backtest` action) to the `vuoro` parser."""
    parser = commands.add_parser(
        "forecast", help="forecast contacts and AHT per queue from a history CSV",
        description="Forecast from a history CSV (`vuoro forecast --history ... --out ...`) "
                    "or backtest the methods on it (`vuoro forecast backtest --history ...`).",
    )
    parser.add_argument("action", nargs="?", choices=["backtest"],
                        help="backtest every method instead of forecasting")
    parser.add_argument("--history", required=True, type=Path, help="history CSV file")
    parser.add_argument("--start", type=date.fromisoformat,
                        help="first forecast day (default: the day after the history ends)")
    parser.add_argument("--horizon", type=days_option, default=14, help="e.g. 14d or 2w")
    parser.add_argument("--interval", type=minutes_option, default=30, help="15min, 30min or 1h")
    parser.add_argument("--out", type=Path, help="forecast CSV to write")
    parser.add_argument("--timezone", default="Europe/Helsinki")
    parser.add_argument("--method", default=AUTO, choices=[AUTO, *METHODS])
    parser.add_argument("--holidays", default="FI",
                        help="public-holiday country code (e.g. FI, IL) or 'none'")
    parser.add_argument("--expected-volume", dest="expected", action="append", default=[],
                        type=expected_option, metavar=EXPECTED_FORMAT,
                        help="a client's expected contacts per week for a queue with no or "
                             "under two weeks of history, spread over a typical week of the "
                             "channel (AHT: the given one, else the channel's in the history); "
                             "repeatable")
    parser.add_argument("--origins", type=int, default=4, help="backtest: weekly origins")
    parser.add_argument("--horizons", type=horizons_option, default=HORIZONS,
                        help="backtest: horizons in days, e.g. 1,7")
    return parser


def run(args: argparse.Namespace) -> int:
    """Run `vuoro forecast [backtest]`; bad input prints one line and returns 2."""
    try:
        if args.action == "backtest":
            return _run_backtest(args)
        return _run_forecast(args)
    except (HistoryError, ValueError, OSError) as exc:
        print(f"vuoro forecast: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def days_option(text: str) -> int:
    """'14d', '2w' or '14' as a number of days."""
    match = re.fullmatch(r"\s*(\d+)\s*([dw]?)\s*", text.lower())
    if not match or int(match[1]) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a horizon like 14d or 2w")
    return int(match[1]) * (7 if match[2] == "w" else 1)


def minutes_option(text: str) -> int:
    """'30min', '1h' or '30' as minutes."""
    match = re.fullmatch(r"\s*(\d+)\s*(min|m|h)?\s*", text.lower())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not an interval like 30min or 1h")
    return int(match[1]) * (60 if match[2] == "h" else 1)


def expected_option(text: str) -> tuple[str, str, str, float, float | None]:
    """'newco:chat:en=700@420' as (client, channel, language, contacts per week, AHT or None)."""
    match = re.fullmatch(r"\s*([^:=]+):([^:=]+)(?::([^:=]+))?\s*=\s*([0-9.]+)\s*"
                         r"(?:@\s*([0-9.]+))?\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not like {EXPECTED_FORMAT}, "
                                         "e.g. newco:chat:en=700@420")
    client, channel, language, volume, aht = match.groups()
    channel, language = channel.strip().lower(), (language or DEFAULT_LANGUAGE).strip().lower()
    if channel not in CHANNELS:
        raise argparse.ArgumentTypeError(f"{text!r}: channel {channel!r} is not one of "
                                         f"{', '.join(CHANNELS)}")
    if language not in LANGUAGES:
        raise argparse.ArgumentTypeError(f"{text!r}: language {language!r} is not one of "
                                         f"{', '.join(LANGUAGES)}")
    try:
        numbers = float(volume), None if aht is None else float(aht)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from exc
    if numbers[1] is not None and numbers[1] <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the AHT must be above 0 seconds")
    return client.strip(), channel, language, numbers[0], numbers[1]


def horizons_option(text: str) -> tuple[int, ...]:
    """'1,7' as (1, 7)."""
    try:
        values = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of days like 1,7") from exc
    if not values or values[0] <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of days like 1,7")
    return values


class ProgressBar:
    """A one-line progress bar on stderr: `progress(done, total)`."""

    def __init__(self, label: str, width: int = 30, stream=None) -> None:
        self.label = label
        self.width = width
        self.stream = stream if stream is not None else sys.stderr

    def __call__(self, done: int, total: int) -> None:
        """Redraw the bar; end the line when done."""
        if not self.stream.isatty() and done < total:
            return  # a log file gets the finished bar only, not every redraw
        filled = int(self.width * done / total) if total else self.width
        bar = "█" * filled + "·" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def forecast_csv_frame(result: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """The forecast frame in the output CSV's columns, times local ISO 8601 with offset."""
    out = result.loc[:, list(OUTPUT_COLUMNS)].copy()
    codes, starts = pd.factorize(out["interval_start"])  # each queue repeats the same times
    stamps = [t.isoformat() for t in pd.DatetimeIndex(starts).tz_convert(timezone)]
    out["interval_start"] = pd.Series(stamps, dtype=object).to_numpy()[codes]
    for column in ("contacts", "contacts_low", "contacts_high"):
        out[column] = out[column].round(3)
    out["aht_seconds"] = out["aht_seconds"].round(1)
    return out


def _expected_volume(spec: tuple[str, str, str, float, float | None],
                     history: pd.DataFrame) -> ExpectedVolume:
    """An --expected-volume spec, its AHT from the history's queues of that channel if omitted."""
    client, channel, language, volume, aht = spec
    if aht is None:
        rows = history[(history["channel"] == channel) & history["aht_seconds"].notna()
                       & (history["contacts"] > 0)]
        if rows.empty:
            raise ValueError(f"--expected-volume {client}:{channel}:{language}={volume:g}: no "
                             f"{channel} AHT in the history; give one, e.g. ={volume:g}@300")
        aht = float((rows["contacts"] * rows["aht_seconds"]).sum() / rows["contacts"].sum())
    return ExpectedVolume(client, channel, language, volume, aht)


def _holiday_country(text: str) -> str | None:
    """The --holidays option: a country code, or None for 'none'."""
    return None if text.strip().lower() in ("", "none") else text.strip().upper()


def _run_forecast(args: argparse.Namespace) -> int:
    """Read, forecast and write the CSV (through a temporary file: all or nothing)."""
    if args.out is None:
        raise ValueError("--out FILE.csv is required to forecast")
    history = read_history_csv(args.history, timezone=args.timezone)
    _print_report(history, args)
    start = args.start or (
        history["interval_start"].max().tz_convert(args.timezone).date() + timedelta(days=1))
    country = _holiday_country(args.holidays)
    expected = [_expected_volume(spec, history) for spec in args.expected]
    if args.method == AUTO:
        result, _ = forecast_auto(
            history, start=start, days=args.horizon, interval_minutes=args.interval,
            timezone=args.timezone, holiday_country=country, expected=expected,
            progress=ProgressBar("choosing methods"))
    else:
        result = forecast(history, start=start, days=args.horizon,
                          interval_minutes=args.interval, timezone=args.timezone,
                          method=args.method, holiday_country=country, expected=expected)
    for queue, note in result.groupby("queue", sort=True)["model"].agg(
            lambda notes: notes.mode().iloc[0]).items():
        print(f"{queue}: {note}", file=sys.stderr)  # how each queue was forecast, and why
    _write_atomically(forecast_csv_frame(result, args.timezone), args.out)
    print(f"wrote {len(result):,} rows for {result['queue'].nunique()} queue(s) "
          f"from {start.isoformat()} to {args.out}", file=sys.stderr)
    return 0


def _run_backtest(args: argparse.Namespace) -> int:
    """Backtest every method over weekly origins and print the pooled table."""
    if args.origins < 1:
        raise ValueError("--origins must be at least 1")
    history = read_history_csv(args.history, timezone=args.timezone)
    _print_report(history, args)
    origins = weekly_origins(history, count=args.origins, horizon_days=max(args.horizons),
                             timezone=args.timezone)
    first_day = history["interval_start"].min().tz_convert(args.timezone).date()
    if origins[0] <= first_day:
        raise ValueError(f"the history is too short for {args.origins} weekly origins "
                         f"at a {max(args.horizons)}-day horizon")
    results = backtest(history, origins=origins, interval_minutes=args.interval,
                       horizons=args.horizons, timezone=args.timezone,
                       holiday_country=_holiday_country(args.holidays),
                       progress=ProgressBar("backtesting"))
    print(format_summary(summarise(results)))
    return 0


def _print_report(history: pd.DataFrame, args: argparse.Namespace) -> None:
    """Say on stderr what the history holds: interval length, resampling, gaps, outliers."""
    if len(history) < 2:
        return
    report = check_history(history, timezone=args.timezone,
                           holiday_country=_holiday_country(args.holidays))
    for line in report.summary(args.interval):
        print(line, file=sys.stderr)


def format_summary(summary: pd.DataFrame) -> str:
    """The pooled backtest as a plain-text table per queue, model and horizon."""
    table = summary.rename(columns={"horizon_days": "horizon"}).copy()
    table["horizon"] = table["horizon"].map(lambda h: f"{h}d")
    return table.to_string(index=False, float_format=lambda x: f"{x:.3f}")


def _write_atomically(frame: pd.DataFrame, path: Path) -> None:
    """Write a CSV so that a failure leaves no partial file behind."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "w", newline="") as stream:
            frame.to_csv(stream, index=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
