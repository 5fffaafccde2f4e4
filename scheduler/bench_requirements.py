"""Benchmark of the requirement: 50 queues x 6 weeks of 15-minute intervals (python -m ...).

The forecast: 50 queues of 17 clients (voice, chat and email in turn), weekday and weekend
opening hours with Finnish holidays closed, intraday peaks and gamma noise; voice and chat by
Erlang C (chat with concurrency 2), email as deferred work in an 8-hour window. Prints the
wall time of `requirement_frame` (best and median of the runs) and what it produced.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

import numpy as np
import pandas as pd

from scheduler.domain import OpeningHours, ServiceTarget
from scheduler.grid import Grid
from scheduler.staffing import requirement_frame

BENCH_MONDAY = date(2026, 11, 2)  # six weeks to mid-December: Independence Day on a Sunday
QUEUES = 50
WEEKS = 6
INTERVAL_MINUTES = 15
TARGET_SECONDS = 2.0  # done-when 4 of the staffing issue
HOURS = {  # (weekday, Saturday, Sunday) local opening minutes per channel
    "voice": ((8 * 60, 20 * 60), (10 * 60, 16 * 60), None),
    "chat": ((8 * 60, 22 * 60), (10 * 60, 18 * 60), (12 * 60, 18 * 60)),
    "email": ((7 * 60, 21 * 60), (9 * 60, 17 * 60), None),
}


def bench_inputs(queues: int = QUEUES, weeks: int = WEEKS, seed: int = 1,
                 patience_seconds: float = 0.0):
    """Forecast frame, targets, channels and opening hours of the benchmark (reproducible).

    With `patience_seconds`, voice queues are staffed by Erlang A instead of Erlang C.
    """
    grid = Grid(BENCH_MONDAY, 7 * weeks, INTERVAL_MINUTES)
    rng = np.random.default_rng(seed)
    starts = pd.date_range(grid.start_utc, periods=grid.n_intervals, freq=grid.step)
    local = starts.tz_convert(grid.timezone)
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60
    peak = np.exp(-((hour - 10.5) ** 2) / 6) + 0.7 * np.exp(-((hour - 14.5) ** 2) / 5)
    frames, targets, channels, opening = [], {}, {}, {}
    for q in range(queues):
        channel = ("voice", "chat", "email")[q % 3]
        key = f"client{q // 3:02d}-{channel}-fi"
        weekday, saturday, sunday = HOURS[channel]
        opening[key] = OpeningHours((weekday,) * 5 + (saturday, sunday))
        contacts = rng.gamma(4.0, (20 + 3 * q) / 4, grid.n_intervals) * peak
        frames.append(pd.DataFrame({
            "interval_start": starts, "queue": key, "contacts": contacts,
            "aht_seconds": float(rng.uniform(150, 600)),
        }))
        targets[key] = ServiceTarget(
            service_level=0.9 if channel == "email" else 0.8,
            answer_seconds={"voice": 20, "chat": 60, "email": 0}[channel],
            concurrency=2 if channel == "chat" else 1,
            response_minutes=480 if channel == "email" else 0,
            shrinkage=0.3,
            patience_seconds=patience_seconds if channel == "voice" else 0.0,
        )
        channels[key] = channel
    return pd.concat(frames, ignore_index=True), targets, channels, opening


def time_requirements(runs: int = 5, patience_seconds: float = 0.0
                      ) -> tuple[list[float], pd.DataFrame]:
    """Wall seconds of each `requirement_frame` run on the benchmark, and the last frame."""
    forecast, targets, channels, opening = bench_inputs(patience_seconds=patience_seconds)
    seconds, frame = [], pd.DataFrame()
    for _ in range(runs):
        began = time.perf_counter()
        frame = requirement_frame(forecast, targets, channels, INTERVAL_MINUTES,
                                  opening_hours=opening)
        seconds.append(time.perf_counter() - began)
    return seconds, frame


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--patience-seconds", type=float, default=0.0,
                        help="staff voice by Erlang A with this mean patience (default Erlang C)")
    args = parser.parse_args(argv)
    seconds, frame = time_requirements(args.runs, args.patience_seconds)
    best, median = min(seconds), statistics.median(seconds)
    print(f"requirement_frame: {QUEUES} queues x {WEEKS} weeks of {INTERVAL_MINUTES}-minute "
          f"intervals = {len(frame):,} rows, opening hours and Finnish holidays")
    print(f"  best {best:.2f} s, median {median:.2f} s over {args.runs} runs "
          f"(target < {TARGET_SECONDS:.0f} s: {'met' if best < TARGET_SECONDS else 'NOT met'})")
    by_model = frame.groupby("model")["required_agents"].agg(["size", "sum", "max"])
    for model, row in by_model.iterrows():
        print(f"  {model:<17}{row['size']:>9,} intervals  {row['sum']:>12,} agent-intervals  "
              f"peak {row['max']}")


if __name__ == "__main__":
    main()
