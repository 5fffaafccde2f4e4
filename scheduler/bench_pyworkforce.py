"""Vuoro's named-agent roster side by side with pyworkforce on one single-skill week.

`make bench-pyworkforce` runs it in a separate venv (`.venv-bench`), so the product never
depends on pyworkforce. The week: one voice queue of the S instance's biggest client, 30-min
intervals, and the day shift set (starts 07:00-14:00 every 30 min, 4 h, 6 h or 8.5 h).
pyworkforce's `MinRequiredResources` (cover every interval, fewest paid agent-intervals) and
`MinAbsDifference` (least total absolute difference) count anonymous shifts per day and
ignore breaks and rest; Vuoro rosters named agents with meal breaks, daily and weekly rest
and weekly hours. Printed for each: paid agent-intervals, understaffing and overstaffing in
agent-intervals (pyworkforce's coverage counts a shift's whole span, break included).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from scheduler.coverage import overstaffing, shortfall
from scheduler.domain import Agent, Contract, Problem
from scheduler.instances import SHIFT_RULES, bench_problem
from scheduler.solve import solve
from scheduler.validate import validate

QUEUE_KIND = "-voice-fi"
AGENTS_PER_PEAK = 2.5  # named agents per agent needed at the week's peak
CONTRACT = Contract("flexible", 0, 2400)  # up to 40 h a week, no minimum


def single_skill_problem(seed: int = 1) -> Problem:
    """The busiest voice queue of the S week, with flexible named agents on day shifts."""
    base = bench_problem("S", seed=seed)
    queue = max((q for q in base.queues if q.key.endswith(QUEUE_KIND)),
                key=lambda q: sum(base.requirement[q.key]))
    peak = max(base.requirement[queue.key])
    rule = SHIFT_RULES["day"]
    agents = tuple(Agent(f"agent{i:03d}", f"Agent {i:03d}", frozenset({queue.key}), CONTRACT,
                         rule) for i in range(round(AGENTS_PER_PEAK * peak)))
    return replace(base, queues=(queue,), agents=agents,
                   requirement={queue.key: base.requirement[queue.key]},
                   is_open={queue.key: base.is_open[queue.key]})


def shift_set(problem: Problem) -> dict[str, list[int]]:
    """The day rule's shifts as pyworkforce coverage arrays over one day's intervals."""
    rule = problem.agents[0].shift_rule
    step = problem.grid.interval_minutes
    periods = 24 * 60 // step
    shifts = {}
    for start in rule.start_minutes():
        for length in rule.lengths_minutes:
            first, end = start // step, (start + length) // step
            shifts[f"{start // 60:02d}:{start % 60:02d}+{length}"] = [
                int(first <= p < end) for p in range(periods)]
    return shifts


def day_requirement(problem: Problem) -> list[list[int]]:
    """The requirement as days x periods (a week without daylight-saving changes)."""
    grid = problem.grid
    column = problem.requirement[problem.queues[0].key]
    return [[column[t] for t in grid.day_range(d)] for d in range(grid.days)]


def pyworkforce_figures(solution: dict, shifts: dict, required: list[list[int]]) -> dict:
    """Paid agent-intervals, understaffing and overstaffing of a pyworkforce solution."""
    periods = len(next(iter(shifts.values())))
    paid = short = over = 0
    for d, row in enumerate(required):
        covered = [0] * periods
        for item in solution["resources_shifts"]:
            if item["day"] == d and item["resources"]:
                cover = shifts[item["shift"]]
                paid += item["resources"] * sum(cover)
                covered = [c + item["resources"] * x for c, x in zip(covered, cover, strict=True)]
        short += sum(max(0, r - c) for r, c in zip(row, covered, strict=True))
        over += sum(max(0, c - r) for r, c in zip(row, covered, strict=True))
    return {"status": solution["status"], "paid": paid, "short": short, "over": over}


def run(time_limit_seconds: float = 60, seed: int = 1) -> int:
    """Solve the week three ways and print them side by side; 1 if Vuoro's roster is broken."""
    try:
        from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources
    except ImportError:
        print("pyworkforce is not installed here: run `make bench-pyworkforce`")
        return 2
    problem = single_skill_problem(seed)
    shifts = shift_set(problem)
    required = day_requirement(problem)
    peak = max(max(row) for row in required)
    common = dict(num_days=len(required), periods=len(required[0]), shifts_coverage=shifts,
                  required_resources=required, max_period_concurrency=4 * peak,
                  max_shift_concurrency=2 * peak, max_search_time=time_limit_seconds)
    rows = []
    began = time.monotonic()
    cost = {name: sum(cover) for name, cover in shifts.items()}  # paid agent-intervals
    mrr = MinRequiredResources(cost_dict=cost, **common).solve()
    rows.append(("pyworkforce MinRequiredResources", time.monotonic() - began,
                 pyworkforce_figures(mrr, shifts, required)))
    began = time.monotonic()
    mad = MinAbsDifference(**common).solve()
    rows.append(("pyworkforce MinAbsDifference", time.monotonic() - began,
                 pyworkforce_figures(mad, shifts, required)))
    began = time.monotonic()
    result = solve(problem, time_limit_seconds=time_limit_seconds)
    seconds = time.monotonic() - began
    violations = validate(problem, result.roster)
    paid = sum(s.paid_minutes for s in result.roster.shifts) // problem.grid.interval_minutes
    rows.append((f"Vuoro ({len(problem.agents)} named agents)", seconds, {
        "status": result.status, "paid": paid,
        "short": sum(sum(v) for v in shortfall(problem, result.roster).values()),
        "over": sum(sum(v) for v in overstaffing(problem, result.roster).values())}))
    demand = sum(map(sum, required))
    print(f"queue {problem.queues[0].key}: demand {demand} agent-intervals over "
          f"{len(required)} days, peak {peak}; {len(shifts)} shifts a day")
    print(f"{'':34} {'status':>9} {'paid':>7} {'short':>6} {'over':>6} {'s':>6}")
    for name, secs, f in rows:
        print(f"{name:34} {f['status']:>9} {f['paid']:>7} {f['short']:>6} {f['over']:>6} "
              f"{secs:>6.1f}")
    base = rows[0][2]
    vuoro = rows[-1][2]
    extra = vuoro["paid"] / base["paid"] - 1 if base["paid"] else float("nan")
    print(f"Vuoro needs {extra:+.1%} paid agent-intervals against MinRequiredResources, with "
          f"{vuoro['short']} short (MinRequiredResources {base['short']}); Vuoro's roster "
          f"includes meal breaks and keeps daily and weekly rest; validator: "
          f"{'valid' if not violations else f'{len(violations)} violations'}")
    return 1 if violations else 0


def main() -> None:
    """Command line: time limit and seed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    raise SystemExit(run(args.time_limit, args.seed))


if __name__ == "__main__":
    main()
