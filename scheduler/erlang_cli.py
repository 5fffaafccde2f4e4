"""The `vuoro erlang` calculator: agents needed for one interval of voice contacts."""

from __future__ import annotations

import argparse
import sys

from scheduler.erlang_calculator import CalculatorInput, calculate, input_errors


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
    values = CalculatorInput(
        contacts=args.contacts, interval_minutes=args.interval_minutes,
        aht_seconds=args.aht_seconds, target=args.target, answer_seconds=args.answer_seconds,
        max_occupancy=args.max_occupancy, shrinkage=args.shrinkage,
        patience_seconds=args.patience_seconds,
    )
    errors = input_errors(values)
    if errors:
        name, text = next(iter(errors.items()))
        print(f"vuoro erlang: error: --{name.replace('_', '-')} {text}", file=sys.stderr)
        return 2
    r = calculate(values)
    print(f"Model:            {r.model}")
    print(f"Traffic:          {r.traffic_erlangs:.2f} Erlangs ({values.contacts:g} contacts in "
          f"{values.interval_minutes} min, AHT {values.aht_seconds:g} s)")
    print(f"Required agents:  {r.raw_agents} on contacts, {r.scheduled_agents} scheduled "
          f"(shrinkage {values.shrinkage:.0%})")
    print(f"Service level:    {r.service_level:.1%} answered within {values.answer_seconds:g} s "
          f"(target {values.target:.0%})")
    print(f"ASA:              {r.asa_seconds:.1f} s")
    print(f"Occupancy:        {r.occupancy:.1%} (at most {values.max_occupancy:.0%})")
    print(f"P(wait):          {r.wait_probability:.1%}")
    if r.abandon_probability is not None:
        print(f"Abandonment:      {r.abandon_probability:.1%}")
    return 0
