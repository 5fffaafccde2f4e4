"""The `vuoro bench` command group: one subcommand per benchmark (`vuoro bench rules DIR`,
`vuoro bench schedule`)."""

from __future__ import annotations

import argparse

from scheduler import bench_rules, bench_schedule

# subcommand name -> (add its parser, run it); a new benchmark adds one entry
BENCHMARKS = {
    "rules": (bench_rules.register, bench_rules.run),
    "schedule": (bench_schedule.register, bench_schedule.run),
}


def register(commands: argparse._SubParsersAction) -> None:
    """Add `bench` and its subcommands to the `vuoro` subparsers."""
    bench = commands.add_parser("bench", help="benchmarks that print figures",
                                description="Run a benchmark and print its figures.")
    subcommands = bench.add_subparsers(dest="bench_command", required=True)
    for add, _ in BENCHMARKS.values():
        add(subcommands)


def run(args: argparse.Namespace) -> int:
    """Run the chosen benchmark."""
    return BENCHMARKS[args.bench_command][1](args)
