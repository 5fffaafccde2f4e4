"""A synthetic demo-sized week (70 agents, 12 queues) and a benchmark of solve() on it."""

from __future__ import annotations

import math
import random
import time
from datetime import date

from scheduler.domain import Agent, Contract, OpeningHours, Problem, Queue, ShiftRule, queue_key
from scheduler.grid import Grid
from scheduler.solve import NUM_WORKERS, solve
from scheduler.validate import validate

BENCH_MONDAY = date(2025, 9, 1)
CLIENT_QUEUES = {  # client -> (channel, language) of its queues
    "aurora": (("voice", "fi"), ("chat", "fi"), ("email", "fi")),
    "boreal": (("voice", "fi"), ("voice", "sv"), ("chat", "sv")),
    "celsius": (("voice", "en"), ("chat", "en"), ("email", "en")),
    "delta": (("voice", "fi"), ("chat", "fi"), ("email", "sv")),
}
FULL_TIME = Contract("full-time", 2100, 2400)
PART_TIME = Contract("part-time", 1200, 1800)
DAY_SHIFTS = ShiftRule("day", 7 * 60, 14 * 60, (240, 360, 510), start_step_minutes=30)
# email can be answered a little outside phone hours, which lets 07:00 starts do useful work
WEEKDAY_HOURS = {"voice": (8 * 60, 20 * 60), "chat": (8 * 60, 20 * 60), "email": (7 * 60, 21 * 60)}
# weekends: voice 10-16, chat 10-18, email 9-17
WEEKEND_HOURS = {"voice": (600, 960), "chat": (600, 1080), "email": (540, 1020)}


def synthetic_problem(seed: int = 1, n_agents: int = 70, interval_minutes: int = 30) -> Problem:
    """A Monday-Sunday week of 12 queues for 4 clients with intraday peaks, and the agents."""
    rng = random.Random(seed)
    grid = Grid(BENCH_MONDAY, 7, interval_minutes)
    queues = tuple(
        Queue(queue_key(client, channel, language), client, channel, language,
              shortfall_weight=rng.choice((80, 100, 150)))
        for client, pairs in CLIENT_QUEUES.items()
        for channel, language in pairs
    )
    is_open, requirement = {}, {}
    for queue in queues:
        hours = OpeningHours(tuple(
            WEEKDAY_HOURS[queue.channel] if d < 5 else WEEKEND_HOURS[queue.channel]
            for d in range(7)
        ))
        size = rng.uniform(2.0, 5.5) if queue.channel != "email" else rng.uniform(1.0, 2.5)
        is_open[queue.key] = tuple(hours.is_open(grid.local(t)) for t in range(grid.n_intervals))
        requirement[queue.key] = tuple(
            _requirement(grid, t, size, rng) if is_open[queue.key][t] else 0
            for t in range(grid.n_intervals)
        )
    agents = tuple(_agent(i, queues, rng) for i in range(n_agents))
    return Problem(grid, queues, agents, requirement, is_open)


def _requirement(grid: Grid, t: int, size: float, rng: random.Random) -> int:
    """Agents needed in an interval: morning and afternoon peaks, quieter weekends, 0-8."""
    local = grid.local(t)
    hour = local.hour + local.minute / 60
    shape = math.exp(-((hour - 10.5) ** 2) / 4) + 0.8 * math.exp(-((hour - 14.5) ** 2) / 5)
    weekday = 1.0 if local.weekday() < 5 else 0.5
    return max(0, min(8, round(size * (0.3 + shape) * weekday + rng.uniform(-0.5, 0.5))))


def _agent(i: int, queues: tuple[Queue, ...], rng: random.Random) -> Agent:
    """An agent certified for 1-4 queues, mostly of one client or one language."""
    home = rng.choice(queues)
    related = [q for q in queues if q != home and (q.client == home.client
                                                   or q.language == home.language)]
    skills = {home.key, *(q.key for q in rng.sample(related, min(len(related),
                                                                 rng.randint(0, 3))))}
    contract = FULL_TIME if rng.random() < 0.6 else PART_TIME
    return Agent(f"agent{i:02d}", f"Agent {i:02d}", frozenset(skills), contract, DAY_SHIFTS)


def run(time_limit_seconds: float = 55, seed: int = 1, num_workers: int = NUM_WORKERS) -> None:
    """Solve the synthetic week and print time to first solution, objective, bound and gap.

    The default limit leaves room for building the model so the whole run stays within 60 s.
    """
    problem = synthetic_problem(seed)
    improvements: list[tuple[float, float, float]] = []
    began = time.monotonic()
    result = solve(problem, time_limit_seconds=time_limit_seconds,
                   progress=lambda *xs: improvements.append(xs), num_workers=num_workers)
    violations = validate(problem, result.roster)
    demand = sum(sum(v) for v in problem.requirement.values())
    short = sum(sum(v) for v in result.shortfall.values())
    print(f"workers={num_workers} agents={len(problem.agents)} queues={len(problem.queues)} "
          f"intervals={problem.grid.n_intervals} demand={demand} agent-intervals")
    if improvements:
        seconds, objective, _ = improvements[0]
        print(f"first solution after {seconds:.1f} s, objective {objective:.0f}")
    print(f"status={result.status} objective={result.objective:.0f} bound={result.best_bound:.0f} "
          f"gap={result.gap:.1%} wall={time.monotonic() - began:.1f} s")
    print(f"penalties={dict(result.penalties)} shortfall={short} agent-intervals "
          f"({short / demand:.1%} of demand) shifts={len(result.roster.shifts)} "
          f"violations={len(violations)}")


if __name__ == "__main__":
    run()
