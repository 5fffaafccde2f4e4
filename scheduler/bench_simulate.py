"""Benchmark of the simulator: a synthetic 300-agent, 24-queue week (python -m ...bench_simulate).

The world: 8 clients with a voice, a chat and an email queue each, weekday and weekend opening
hours, intraday peaks; agents certified for their home client's queues (a third also for one
queue of another client); a simple greedy roster of 8-hour shifts with a 30-minute break
covering the Erlang requirement. Prints the wall time per replication, and each client's
simulated service level beside the projection of scheduler.service_level.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from datetime import date

import numpy as np
import pandas as pd

from scheduler.domain import (
    Activity,
    Agent,
    Break,
    Contract,
    OpeningHours,
    Problem,
    Queue,
    Roster,
    ServiceTarget,
    Shift,
    ShiftRule,
    queue_key,
)
from scheduler.grid import Grid
from scheduler.service_level import (
    QueueForecast,
    client_service_level,
    projected_service_level,
)
from scheduler.simulate import model_from_roster, simulate
from scheduler.staffing import requirement_frame

BENCH_MONDAY = date(2025, 9, 1)
CLIENTS = ("aurora", "boreal", "celsius", "delta", "elma", "fjord", "graniitti", "halla")
LANGUAGE = {"aurora": "fi", "boreal": "sv", "celsius": "en", "delta": "fi", "elma": "fi",
            "fjord": "sv", "graniitti": "fi", "halla": "en"}
HOURS = {  # (weekday, weekend) local opening minutes per channel
    "voice": ((8 * 60, 20 * 60), (10 * 60, 16 * 60)),
    "chat": ((8 * 60, 20 * 60), (10 * 60, 18 * 60)),
    "email": ((7 * 60, 21 * 60), (9 * 60, 17 * 60)),
}
TARGETS = {
    "voice": ServiceTarget(0.8, 20, max_occupancy=0.9),
    "chat": ServiceTarget(0.8, 60, max_occupancy=0.9, concurrency=2),
    "email": ServiceTarget(0.9, 0, max_occupancy=0.9, response_minutes=8 * 60),
}
AHT_SECONDS = {"voice": 300.0, "chat": 540.0, "email": 420.0}
PATIENCE_SECONDS = 180.0  # voice callers' mean patience
SHIFT_INTERVALS = 16  # 8 h of 30-minute intervals, a 30-minute break in the middle
CONTRACT = Contract("full-time", 2100, 2400)
RULE = ShiftRule("day", 7 * 60, 13 * 60, (480,), meal_break_minutes=30)


def bench_world(n_agents: int = 300, seed: int = 1):
    """The problem, forecast, targets and a greedy roster of the benchmark week."""
    rng = random.Random(seed)
    grid = Grid(BENCH_MONDAY, 7, 30)
    queues = tuple(Queue(queue_key(c, ch, LANGUAGE[c]), c, ch, LANGUAGE[c])
                   for c in CLIENTS for ch in ("voice", "chat", "email"))
    hours = {q.key: OpeningHours(tuple(HOURS[q.channel][d >= 5] for d in range(7)))
             for q in queues}
    is_open = {q.key: tuple(hours[q.key].is_open(grid.local(t)) for t in range(grid.n_intervals))
               for q in queues}
    size = {q.key: rng.uniform(0.6, 1.4) * (1.0 if q.channel == "voice" else 0.6)
            for q in queues}
    targets = {q.key: TARGETS[q.channel] for q in queues}
    agents = tuple(_agent(i, queues, rng) for i in range(n_agents))
    scale = 40.0  # contacts per interval at the peak of an average queue; tuned to the staff
    for _ in range(3):
        forecast = _forecast(grid, queues, is_open, size, scale)
        requirement = _requirement(grid, queues, forecast, targets, hours)
        demand = sum(sum(v) for v in requirement.values())
        supply = n_agents * 5 * (SHIFT_INTERVALS - 1)
        scale *= supply / demand
    problem = Problem(grid, queues, agents, requirement, is_open)
    return problem, forecast, targets, greedy_week(problem, rng)


def greedy_week(problem: Problem, rng: random.Random) -> Roster:
    """Five 8-hour shifts per agent, start and queue per interval chosen for the residual need."""
    grid = problem.grid
    residual = {q: list(v) for q, v in problem.requirement.items()}
    shifts = []
    order = sorted(problem.agents, key=lambda a: (len(a.skills), rng.random()))
    for i, agent in enumerate(order):
        off = {i % 7, (i + 3) % 7}
        skills = sorted(agent.skills)
        for d in range(grid.days):
            if d in off:
                continue
            starts = [grid.local_time_index(d, m) for m in agent.shift_rule.start_minutes()]
            best = max((s for s in starts if s is not None),
                       key=lambda s: sum(max(residual[q][t] for q in skills)
                                         for t in range(s, s + SHIFT_INTERVALS)))
            shifts.append(_shift(grid, agent.key, d, best, skills, residual, problem.is_open))
    return Roster(tuple(shifts))


def run(replications: int = 5, seed: int = 1, policy: str = "certified") -> None:
    """Simulate the benchmark week and print timings and per-client service levels."""
    began = time.perf_counter()
    problem, forecast, targets, roster = bench_world(seed=seed)
    patience = {q.key: PATIENCE_SECONDS for q in problem.queues if q.channel == "voice"}
    model = model_from_roster(problem, roster, forecast, targets, patience_seconds=patience)
    built = time.perf_counter() - began
    report = simulate(model, replications=replications, seed=seed, policy=policy)
    per_run = report.wall_seconds / replications
    print(f"agents={len(problem.agents)} queues={len(problem.queues)} "
          f"intervals={problem.grid.n_intervals} shifts={len(roster.shifts)} "
          f"contacts/week={report.contacts_simulated / replications:.0f} policy={policy}")
    print(f"world+roster {built:.1f} s; simulation {report.wall_seconds:.1f} s for "
          f"{replications} replications = {per_run:.1f} s per simulated week")
    projected = client_service_level(
        projected_service_level(problem, roster, forecast, targets, patience_seconds=patience),
        by_day=False,
    ).set_index("client")
    print(f"{'client':<10} {'simulated SL (95% CI)':>24} {'ASA s':>7} {'aband.':>7} "
          f"{'projected SL':>13}")
    for client, metrics in report.clients.items():
        sl, asa, ab = (metrics[m] for m in ("service_level", "asa_seconds", "abandon_share"))
        print(f"{client:<10} {sl.mean:>8.3f} [{sl.low:.3f}, {sl.high:.3f}] {asa.mean:>7.1f} "
              f"{ab.mean:>7.3f} {projected.loc[client, 'service_level']:>13.3f}")


def _forecast(grid: Grid, queues, is_open, size, scale: float) -> dict[str, QueueForecast]:
    """Contacts per open interval: morning and afternoon peaks, quieter weekends."""
    result = {}
    for q in queues:
        contacts = []
        for t in range(grid.n_intervals):
            local = grid.local(t)
            hour = local.hour + local.minute / 60
            shape = math.exp(-((hour - 10.5) ** 2) / 4) + 0.8 * math.exp(-((hour - 14.5) ** 2) / 5)
            weekday = 1.0 if local.weekday() < 5 else 0.4
            value = scale * size[q.key] * (0.15 + shape) * weekday if is_open[q.key][t] else 0.0
            contacts.append(round(value, 2))
        result[q.key] = QueueForecast(tuple(contacts),
                                      (AHT_SECONDS[q.channel],) * grid.n_intervals)
    return result


def _requirement(grid: Grid, queues, forecast, targets, hours) -> dict[str, tuple[int, ...]]:
    """Required agents per queue and interval from the staffing module."""
    starts = pd.date_range(grid.start_utc, periods=grid.n_intervals, freq=grid.step)
    frame = pd.concat([
        pd.DataFrame({"interval_start": starts, "queue": q.key,
                      "contacts": forecast[q.key].contacts,
                      "aht_seconds": forecast[q.key].aht_seconds})
        for q in queues
    ])
    required = requirement_frame(frame, targets, {q.key: q.channel for q in queues},
                                 grid.interval_minutes, opening_hours=hours)
    return {q: tuple(part.sort_values("interval_start")["required_agents"].astype(int))
            for q, part in required.groupby("queue")}


def _agent(i: int, queues, rng: random.Random) -> Agent:
    """Certified for a home client's three queues; a third also for one of another client."""
    home = rng.choice(CLIENTS)
    skills = {q.key for q in queues if q.client == home}
    if rng.random() < 1 / 3:
        skills.add(rng.choice([q.key for q in queues if q.client != home]))
    return Agent(f"agent{i:03d}", f"Agent {i:03d}", frozenset(skills), CONTRACT, RULE)


def _shift(grid: Grid, agent: str, day: int, start: int, skills, residual, is_open) -> Shift:
    """The shift from `start`, its break in the middle, each interval on the neediest queue."""
    rest = start + SHIFT_INTERVALS // 2
    blocks: list[list] = []
    for t in range(start, start + SHIFT_INTERVALS):
        open_queues = [q for q in skills if is_open[q][t]]
        if t == rest or not open_queues:
            continue
        q = max(open_queues, key=lambda k: residual[k][t])
        residual[q][t] -= 1
        if blocks and blocks[-1][0] == q and blocks[-1][2] == t:
            blocks[-1][2] = t + 1
        else:
            blocks.append([q, t, t + 1])
    at = grid.interval_start
    return Shift(agent, grid.day_list[day], at(start), at(start + SHIFT_INTERVALS),
                 (Break(at(rest), at(rest + 1)),),
                 tuple(Activity(q, at(a), at(b)) for q, a, b in blocks))


def main() -> None:
    """Command line: replications, seed and routing policy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--policy", choices=("scheduled", "certified"), default="certified")
    args = parser.parse_args()
    np.seterr(all="ignore")
    run(args.replications, args.seed, args.policy)


if __name__ == "__main__":
    main()
