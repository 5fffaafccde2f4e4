"""`vuoro bench rules DIR`: solve every Curtois & Qu instance in a folder and check each roster.

Per instance it prints the objective, the best known value (from `best_known.csv` when the
folder has one), the gap to it, the wall time, the solver status, the validator's verdict and
the objective recomputed from the roster without the solver (`scheduler.objective`).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from pathlib import Path

from scheduler.cli import ProgressBar
from scheduler.curtois_qu import InstanceError, read_instance
from scheduler.objective import soft_penalties
from scheduler.solve import solve
from scheduler.validate import validate

HEADER = (f"{'instance':<12}{'objective':>10}{'best':>8}{'gap':>8}{'time s':>8}  "
          f"{'status':<11}{'validator':<12}{'recomputed':>10}")


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `rules` benchmark."""
    parser = commands.add_parser(
        "rules", help="Curtois & Qu shift scheduling instances",
        description="Solve every Instance*.txt of DIR with a time limit each; print objective, "
                    "best known, gap, time, status, validator result and the recomputed "
                    "objective. Exit 1 when a roster breaks a rule or its objective does not "
                    "recompute, 2 when an instance cannot be read.")
    parser.add_argument("directory", type=Path, metavar="DIR")
    parser.add_argument("--time-limit", type=float, default=60.0,
                        help="seconds per instance (default 60)")
    parser.add_argument("--only", nargs="*", default=None, metavar="NAME",
                        help="instance names to run, e.g. Instance1 Instance5")


def best_known(directory: Path) -> dict[str, int]:
    """Best known objective per instance name from best_known.csv, if the folder has it."""
    path = directory / "best_known.csv"
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["instance"]: int(row["best_known_solution"])
                for row in csv.DictReader(handle) if row.get("best_known_solution")}


def instances(directory: Path, only: list[str] | None) -> list[Path]:
    """The folder's instance files in natural order (Instance2 before Instance10)."""
    def number(path: Path) -> tuple[int, str]:
        found = re.findall(r"\d+", path.stem)
        return (int(found[-1]) if found else 0, path.stem)
    paths = sorted(directory.glob("*.txt"), key=number)
    return [p for p in paths if only is None or p.stem in only]


def run(args: argparse.Namespace) -> int:
    """Solve, check and print each instance; the exit code says whether all checked out."""
    if not args.directory.is_dir():
        print(f"vuoro bench rules: error: {args.directory} is not a folder", file=sys.stderr)
        return 2
    if args.time_limit <= 0:
        print("vuoro bench rules: error: --time-limit must be positive", file=sys.stderr)
        return 2
    known = best_known(args.directory)
    paths = instances(args.directory, args.only)
    if not paths:
        print(f"vuoro bench rules: error: no instance files in {args.directory}",
              file=sys.stderr)
        return 2
    print(HEADER, flush=True)
    worst = 0
    for path in paths:
        worst = max(worst, _one(path, known.get(path.stem), args.time_limit))
    return worst


def _one(path: Path, best: int | None, time_limit: float) -> int:
    """Solve one instance and print its row; 0 ok, 1 broken or not recomputed, 2 unreadable."""
    try:
        problem = read_instance(path)
    except InstanceError as exc:
        print(f"{path.stem:<12}error: {exc}", flush=True)
        return 2
    bar = ProgressBar(time_limit)
    began = time.monotonic()
    result = solve(problem, time_limit_seconds=time_limit, progress=bar)
    seconds = time.monotonic() - began
    bar.finish()
    best_text = f"{best:>8}" if best is not None else f"{'-':>8}"
    if result.status not in ("OPTIMAL", "FEASIBLE"):
        print(f"{path.stem:<12}{'-':>10}{best_text}{'-':>8}{seconds:>8.1f}  "
              f"{result.status:<11}{'-':<12}{'-':>10}", flush=True)
        if result.message:
            print(f"{'':<12}{result.message}", flush=True)
        return 0 if result.status == "INFEASIBLE" else 1
    violations = validate(problem, result.roster)
    recomputed = sum(soft_penalties(problem, result.roster).values())
    gap = f"{(result.objective - best) / best:>7.1%}" if best else f"{'-':>7}"
    verdict = "valid" if not violations else f"{len(violations)} broken"
    same = "=" if recomputed == result.objective else "!="
    print(f"{path.stem:<12}{result.objective:>10.0f}{best_text} {gap}{seconds:>8.1f}  "
          f"{result.status:<11}{verdict:<12}{recomputed:>8} {same}", flush=True)
    for v in violations[:5]:
        print(f"{'':<12}{v.rule}: {v.agent} {v.day or ''} {v.message}", flush=True)
    return 0 if not violations and recomputed == result.objective else 1
