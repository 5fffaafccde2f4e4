"""The `vuoro solve` and `vuoro validate` commands: rostering on JSON files, no database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from scheduler.backlog import late_work_report
from scheduler.coverage import coverage
from scheduler.explain import explain_shortfall
from scheduler.replan import roster_changes
from scheduler.serialize import (
    SchemaError,
    problem_from_json,
    read_json,
    roster_from_json,
    roster_to_json,
    write_json,
)
from scheduler.solve import solve
from scheduler.validate import validate

EXIT_OK = 0
EXIT_BROKEN = 1  # no roster, or a roster that breaks hard rules
EXIT_BAD_INPUT = 2


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `solve` and `validate` subcommands to the `vuoro` subparsers."""
    solve_parser = commands.add_parser(
        "solve", help="roster a problem JSON file with CP-SAT",
        description="Solve a vuoro.problem/1 JSON file and write a vuoro.roster/1 file; prints "
                    "status, the objective by named penalty, the best bound and the gap.",
    )
    solve_parser.add_argument("--problem", required=True, type=Path, help="problem JSON file")
    solve_parser.add_argument("--out", required=True, type=Path, help="roster JSON to write")
    solve_parser.add_argument("--time-limit", type=float, default=30.0, help="solver seconds")
    solve_parser.add_argument("--hint", type=Path, help="a roster JSON to start from")
    solve_parser.add_argument("--workers", type=int, default=None, help="CP-SAT workers")
    solve_parser.add_argument("--keep", type=Path,
                              help="published roster JSON: re-plan keeping its shifts where "
                                   "possible, and list what changed")
    solve_parser.add_argument("--explain", type=int, default=10, metavar="N",
                              help="explain the first N shortfalls (default 10, 0 for none)")
    check = commands.add_parser(
        "validate", help="check a roster JSON file against every hard rule",
        description="Exit 0 when the roster breaks no hard rule of the problem, 1 listing each "
                    "violation otherwise, 2 on unreadable input.",
    )
    check.add_argument("--problem", required=True, type=Path, help="problem JSON file")
    check.add_argument("--roster", required=True, type=Path, help="roster JSON file")


def run(args: argparse.Namespace) -> int:
    """Run `solve` or `validate`; a bad input file is one line on stderr and exit 2."""
    try:
        if args.command == "solve":
            return _solve(args)
        return _validate(args)
    except SchemaError as exc:
        print(f"vuoro {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _solve(args: argparse.Namespace) -> int:
    """Solve, write the roster, report the result; 1 when no valid roster came back."""
    if args.time_limit <= 0:
        raise SchemaError(f"--time-limit must be positive, not {args.time_limit:g}")
    problem = problem_from_json(read_json(args.problem))
    hint = roster_from_json(read_json(args.hint)) if args.hint else None
    keep = roster_from_json(read_json(args.keep)) if args.keep else None
    options = {"num_workers": args.workers} if args.workers else {}
    if keep is not None:
        options["keep"] = keep
    bar = ProgressBar(args.time_limit)
    result = solve(problem, time_limit_seconds=args.time_limit, hint=hint, progress=bar,
                   **options)
    bar.finish()
    print(f"status      {result.status} in {result.wall_seconds:.1f} s")
    if result.status not in ("OPTIMAL", "FEASIBLE"):
        print(f"no roster: {result.message}")
        return EXIT_BROKEN
    write_json(args.out, roster_to_json(result.roster, timezone=problem.grid.timezone,
                                        result=result))
    print(f"objective   {result.objective:,.0f}")
    for name, value in result.penalties.items():
        print(f"  {name:<14}{value:>12,}")
    print(f"bound       {result.best_bound:,.0f}")
    print(f"gap         {result.gap:.2%}")
    print(f"shifts      {len(result.roster.shifts)} written to {args.out}")
    for client, hours in result.billable_hours.items():
        print(f"  billable  {client:<14}{hours:>10,.1f} h")
    if keep is not None:
        changed = roster_changes(problem, keep, result.roster)
        print(f"changes     {len(changed)} agent-days against {args.keep}")
        for change in changed:
            print(f"  {change.text}")
    shortfalls = explain_shortfall(problem, result.roster)
    for item in shortfalls[: args.explain]:
        print(f"short       {item.text}")
    if len(shortfalls) > args.explain > 0:
        print(f"            ... and {len(shortfalls) - args.explain} more short periods")
    violations = validate(problem, result.roster)
    for v in violations:
        print(f"violation   {v.rule}: {v.agent} {v.day or ''} {v.message}")
    return EXIT_BROKEN if violations else EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    """List every hard-rule violation of the roster; 1 when there is any."""
    problem = problem_from_json(read_json(args.problem))
    roster = roster_from_json(read_json(args.roster))
    violations = validate(problem, roster)
    for v in violations:
        print(f"{v.rule}: {v.agent} {v.day.isoformat() if v.day else '-'}: {v.message}")
    for line in late_work_report(problem, coverage(problem, roster)):
        print(f"late work   {line}")  # soft: reported, not a violation
    if violations:
        print(f"{len(violations)} hard-rule violations in {len(roster.shifts)} shifts")
        return EXIT_BROKEN
    print(f"valid: {len(roster.shifts)} shifts break no hard rule")
    return EXIT_OK


class ProgressBar:
    """A one-line bar on stderr: time used, objective and bound of the latest solution.

    It redraws in place on a terminal; in a log it writes only the final line.
    """

    def __init__(self, time_limit_seconds: float, stream: TextIO | None = None,
                 width: int = 30) -> None:
        self.time_limit_seconds = time_limit_seconds
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.line = ""

    def __call__(self, seconds: float, objective: float, bound: float) -> None:
        """Redraw with the solver's latest solution."""
        share = min(1.0, seconds / self.time_limit_seconds)
        filled = int(share * self.width)
        self.line = (f"[{'█' * filled}{'·' * (self.width - filled)}] "
                     f"{seconds:5.1f}/{self.time_limit_seconds:.0f} s  "
                     f"objective {objective:,.0f}  bound {bound:,.0f}")
        if self.stream.isatty():
            self.stream.write(f"\r{self.line}   ")
            self.stream.flush()

    def finish(self) -> None:
        """End the bar's line."""
        if not self.line:
            return
        self.stream.write("\n" if self.stream.isatty() else f"{self.line}\n")
        self.stream.flush()
