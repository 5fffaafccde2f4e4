"""The `vuoro erlang` calculator: agents needed for one interval of voice contacts."""

from __future__ import annotations

import argparse
import math
import sys

from scheduler.erlang_a import erlang_a, raw_agents_erlang_a
from scheduler.staffing import (
    apply_shrinkage,
    average_speed_of_answer,
    erlang_c,
    occupancy,
    raw_agents_erlang_c,
    service_level,
    traffic_erlangs,
)


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `erlang` subcommand to the `vuoro` subparsers."""
    erlang = commands.add_parser(
        "erlang",
        help="agents needed for an interval (Erlang C, or Erlang A with --patience-seconds)",
        description="Required agents, service level, ASA, occupancy and P(wait) for one "
        "interval; with --patience-seconds Erlang A, which also reports abandonment.",
    )
    erlang.add_argument("--contacts", type=float, required=True, help="contacts in the interval")
    erlang.add_argument("--interval-minutes", type=int, required=True)
    erlang.add_argument("--aht-seconds", type=float, required=True, help="average handle time")
    erlang.add_argument("--target", type=float, required=True,
                        help="service level target, e.g. 0.8")
    erlang.add_argument("--answer-seconds", type=float, required=True,
                        help="answered within this many seconds, e.g. 20")
    erlang.add_argument("--max-occupancy", type=float, default=0.85)
    erlang.add_argument("--shrinkage", type=float, default=0.0)
    erlang.add_argument("--patience-seconds", type=float, default=None,
                        help="mean caller patience; switches to Erlang A")


def run(args: argparse.Namespace) -> int:
    """Print the requirement and its figures; 2 with a one-line error on bad input."""
    problem = _input_error(args)
    if problem:
        print(f"vuoro erlang: error: {problem}", file=sys.stderr)
        return 2
    contacts, aht, interval = args.contacts, args.aht_seconds, args.interval_minutes
    answer, patience = args.answer_seconds, args.patience_seconds
    traffic = traffic_erlangs(contacts, aht, interval)
    if patience is None:
        model = "Erlang C"
        raw = raw_agents_erlang_c(contacts, aht, interval, answer, args.target,
                                  args.max_occupancy)
        level = service_level(contacts, aht, interval, raw, answer)
        asa = average_speed_of_answer(contacts, aht, interval, raw)
        busy = occupancy(contacts, aht, interval, raw) if raw else 0.0
        wait = erlang_c(traffic, raw) if raw else 0.0
        abandon = None
    else:
        model = f"Erlang A, mean patience {patience:g} s"
        raw = raw_agents_erlang_a(contacts, aht, interval, answer, args.target,
                                  args.max_occupancy, patience)
        result = erlang_a(contacts, aht, interval, raw, answer, patience)
        level, asa, busy = result.service_level, result.asa_seconds, result.occupancy
        wait, abandon = result.wait_probability, result.abandon_probability
    scheduled = apply_shrinkage(raw, args.shrinkage)
    print(f"Model:            {model}")
    print(f"Traffic:          {traffic:.2f} Erlangs ({contacts:g} contacts in {interval} min, "
          f"AHT {aht:g} s)")
    print(f"Required agents:  {raw} on contacts, {scheduled} scheduled "
          f"(shrinkage {args.shrinkage:.0%})")
    print(f"Service level:    {level:.1%} answered within {answer:g} s "
          f"(target {args.target:.0%})")
    print(f"ASA:              {asa:.1f} s")
    print(f"Occupancy:        {busy:.1%} (at most {args.max_occupancy:.0%})")
    print(f"P(wait):          {wait:.1%}")
    if abandon is not None:
        print(f"Abandonment:      {abandon:.1%}")
    return 0


def _input_error(args: argparse.Namespace) -> str | None:
    """The first problem with the calculator's inputs, as one line, or None."""
    if not (math.isfinite(args.contacts) and args.contacts >= 0):
        return f"--contacts must be a non-negative number, not {args.contacts:g}"
    if args.interval_minutes <= 0:
        return f"--interval-minutes must be positive, not {args.interval_minutes}"
    if not (math.isfinite(args.aht_seconds) and args.aht_seconds > 0):
        return f"--aht-seconds must be a positive number, not {args.aht_seconds:g}"
    if not 0 < args.target < 1:
        return f"--target must be a share between 0 and 1 (e.g. 0.8), not {args.target:g}"
    if not (math.isfinite(args.answer_seconds) and args.answer_seconds >= 0):
        return f"--answer-seconds must be a non-negative number, not {args.answer_seconds:g}"
    if not 0 < args.max_occupancy <= 1:
        return f"--max-occupancy must be in (0, 1], not {args.max_occupancy:g}"
    if not 0 <= args.shrinkage < 1:
        return f"--shrinkage must be in [0, 1), not {args.shrinkage:g}"
    patience = args.patience_seconds
    if patience is not None and not (math.isfinite(patience) and patience > 0):
        return f"--patience-seconds must be a positive number, not {patience:g}"
    return None
