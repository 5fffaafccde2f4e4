"""`vuoro bench schedule`: solve the seeded S, M and L weeks and compare with a proven bound.

For each size it prints the instance (agents, clients, queues, intervals, demand), the solve
time, status, objective by named penalty, shortfall and overstaffing in agent-intervals,
billable hours per client, the validator's verdict on the roster, and a lower bound that the
benchmark computes itself (`scheduler.lower_bound`: the aggregated LP relaxation priced by
weak duality), raised where it can by the week-pattern master (`scheduler.week_bound`,
per-agent week rules exact), with the gap between the objective and the higher of the two.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from scheduler.billing import billable_hours
from scheduler.domain import Problem, SolveResult
from scheduler.instances import SIZES, bench_problem
from scheduler.lower_bound import Bound, lp_bound
from scheduler.solve import solve
from scheduler.validate import validate
from scheduler.week_bound import applies as week_patterns_apply
from scheduler.week_bound import week_bound

TIME_LIMITS = {"S": 30.0, "M": 55.0, "L": 540.0}  # solver seconds, leaving room to build
EXACT_BOUND_MAX_AGENTS = 100  # GLOP's simplex up to here; PDLP's duals beyond (faster)
# column generation on the week-pattern master, started from the LP's duals (seconds; L's
# master is too big to build in a benchmark run, so L keeps the aggregated LP's bound)
WEEK_BOUND_SECONDS = {"S": 150.0, "M": 90.0}


def register(kinds: argparse._SubParsersAction) -> None:
    """Add `schedule` to the `vuoro bench` subcommands."""
    schedule = kinds.add_parser(
        "schedule", help="roster the seeded S, M and L weeks against a proven lower bound",
        description=__doc__.splitlines()[0],
    )
    schedule.add_argument("--size", nargs="+", choices=sorted(SIZES), default=["S", "M"],
                          help="instance sizes (default S M; L takes about 10 minutes)")
    schedule.add_argument("--seed", type=int, default=1)
    schedule.add_argument("--time-limit", type=float, default=None,
                          help="solver seconds per size (default S 30, M 55, L 540)")
    schedule.add_argument("--no-bound", action="store_true", help="skip the LP bound")
    schedule.add_argument("--week-bound", action="store_true",
                          help="also run the week-pattern master bound (S 150 s, M 90 s more; "
                               "so far the aggregated LP with fairness rows is the higher)")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark; exit 1 when a roster breaks a hard rule."""
    broken = 0
    rows = []
    for size in args.size:
        row = bench_size(size, seed=args.seed, time_limit_seconds=args.time_limit,
                         bound=not args.no_bound, week=args.week_bound)
        broken += row["violations"]
        rows.append(row)
    print("\nsize  agents  solve s  objective      bound     gap  shortfall  valid")
    for r in rows:
        bound = f"{r['bound']:>10,}" if r["bound"] else f"{'-':>10}"
        gap = f"{r['gap']:>7.1%}" if r["bound"] else f"{'-':>7}"
        print(f"{r['size']:<4}  {r['agents']:>6}  {r['seconds']:>7.1f}  {r['objective']:>9,.0f}  "
              f"{bound}  {gap}  {r['short_share']:>8.1%}  {'yes' if not r['violations'] else 'NO'}")
    return 1 if broken else 0


def bench_size(size: str, *, seed: int = 1, time_limit_seconds: float | None = None,
               bound: bool = True, week: bool = False) -> dict:
    """Solve one size, print its figures and return them."""
    problem = bench_problem(size, seed=seed)
    limit = time_limit_seconds or TIME_LIMITS[size]
    demand = sum(sum(v) for v in problem.requirement.values())
    clients = sorted({q.client for q in problem.queues})
    print(f"\n== {size}: {len(problem.agents)} agents, {len(clients)} clients, "
          f"{len(problem.queues)} queues, {problem.grid.n_intervals} intervals of "
          f"{problem.grid.interval_minutes} min, demand {demand:,} agent-intervals (seed {seed})")
    began = time.monotonic()
    result = solve(problem, time_limit_seconds=limit)
    seconds = time.monotonic() - began
    violations = validate(problem, result.roster)
    short = sum(sum(v) for v in result.shortfall.values())
    surplus = sum(sum(v) for v in result.overstaffing.values())
    print(f"solve       {seconds:.1f} s (limit {limit:g} s), status {result.status}, "
          f"{len(result.roster.shifts)} shifts")
    print(f"objective   {result.objective:,.0f}  "
          + "  ".join(f"{k} {v:,}" for k, v in result.penalties.items()))
    print(f"shortfall   {short:,} agent-intervals ({short / max(1, demand):.1%} of demand), "
          f"overstaffing {surplus:,}")
    hours = billable_hours(problem, result.roster)
    print("billable    " + ", ".join(f"{c} {h:,.1f} h" for c, h in hours.items()))
    print(f"validator   {'valid' if not violations else f'{len(violations)} VIOLATIONS'}")
    for v in violations[:5]:
        print(f"  {v.rule}: {v.agent} {v.day or ''} {v.message}")
    row = {"size": size, "agents": len(problem.agents), "seconds": seconds,
           "objective": result.objective, "bound": 0, "gap": 0.0,
           "short_share": short / max(1, demand), "violations": len(violations)}
    if bound:
        exact = len(problem.agents) <= EXACT_BOUND_MAX_AGENTS
        b = lp_bound(problem, exact=exact)
        method = "GLOP simplex" if exact else "PDLP duals"
        print(f"bound       {b.value:,} ({method}, {b.groups} agent groups, {b.variables:,} "
              f"columns, {b.wall_seconds:.0f} s; LP parts "
              + ", ".join(f"{k} {v:,.0f}" for k, v in b.parts.items()) + ")")
        value = b.value
        seconds = WEEK_BOUND_SECONDS.get(size, 0.0) if week else 0.0
        if seconds and week_patterns_apply(problem):
            w = week_bound(problem, time_limit_seconds=seconds, seed_duals=b.duals)
            print(f"week bound  {w.value:,} (week-pattern master: exact daily and weekly rest, "
                  f"weekly hours per agent; {w.iterations} rounds, {w.columns:,} patterns, "
                  f"{w.wall_seconds:.0f} s; its LP {w.lp_objective:,.0f})")
            value = max(value, w.value)
        gap = (result.objective - value) / result.objective if result.objective else 0.0
        print(f"gap         {gap:.2%} above the bound; by term (roster - LP): "
              + ", ".join(f"{k} {result.penalties.get(k, 0) - v:+,.0f}"
                          for k, v in b.parts.items()))
        _print_gap_by_queue(problem, result, b)
        row.update(bound=value, gap=gap)
    return row


GAP_QUEUES_SHOWN = 6


def _print_gap_by_queue(problem: Problem, result: SolveResult, b: Bound) -> None:
    """The queues where the roster loses most against the LP (weighted agent-intervals)."""
    rows = []
    for q in problem.queues:
        short = sum(result.shortfall.get(q.key, ()))
        over = sum(result.overstaffing.get(q.key, ()))
        lp_short, lp_over = b.short_by_queue.get(q.key, 0.0), b.over_by_queue.get(q.key, 0.0)
        loss = (q.shortfall_weight * (short - lp_short)
                + q.overstaffing_weight * (over - lp_over))
        rows.append((loss, q, short, lp_short, over, lp_over))
    rows.sort(key=lambda r: -r[0])
    print("  queue                         loss   short (LP)      over (LP)")
    for loss, q, short, lp_short, over, lp_over in rows[:GAP_QUEUES_SHOWN]:
        print(f"  {q.key:<26} {loss:>+8,.0f}  {short:>5} ({lp_short:>6.1f})  "
              f"{over:>5} ({lp_over:>6.1f})")


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m scheduler.bench_schedule` runs the same benchmark."""
    parser = argparse.ArgumentParser(prog="bench_schedule")
    commands = parser.add_subparsers(dest="command", required=True)
    register(commands)
    return run(parser.parse_args(["bench", "schedule", *(argv or [])]))


if __name__ == "__main__":
    raise SystemExit(main())
