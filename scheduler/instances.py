"""Seeded, realistic rostering instances S, M and L for `vuoro bench schedule`.

An outsourcer's week: clients of a few kinds (telco, webshop, bank, energy, insurer, travel),
each with its own queues (client x channel x language), opening hours and intraday shape;
contacts turned into required agents by the staffing module (Erlang C for voice, chat
concurrency, deferred email); agents in teams certified for one client's queues or
cross-trained over two clients of a language, on full-time, part-time and hourly contracts
with day, early, evening, short (student) and night shift rules. Volumes are scaled so the
week's requirement equals about the agents' contracted hours: enough staff overall, but peaks
and skills make it tight, as in a real planning week.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

import pandas as pd

from scheduler.domain import (
    Agent,
    Contract,
    OpeningHours,
    Problem,
    Queue,
    ServiceTarget,
    ShiftRule,
    queue_key,
)
from scheduler.grid import Grid
from scheduler.staffing import requirement_frame

BENCH_MONDAY = date(2025, 9, 1)  # a week without Finnish public holidays
H = 60


@dataclass(frozen=True)
class Size:
    """How big a benchmark instance is."""

    name: str
    agents: int
    clients: int
    queues: int
    days: int = 7
    interval_minutes: int = 30


SIZES = {
    "S": Size("S", 50, 3, 6),
    "M": Size("M", 300, 8, 24),
    "L": Size("L", 1000, 20, 60),
}

CONTRACTS = {
    "full-time": Contract("full-time", 2100, 2400),  # 37.5 h a week, up to 40 h
    "part-time": Contract("part-time", 1200, 1800),
    "hourly": Contract("hourly", 0, 1200),
}
SHIFT_RULES = {
    "day": ShiftRule("day", 7 * H, 14 * H, (240, 360, 510)),
    "early": ShiftRule("early", 7 * H, 10 * H, (360, 510)),
    "evening": ShiftRule("evening", 12 * H, 14 * H + 30, (360, 510)),
    "short": ShiftRule("short", 8 * H, 17 * H + 30, (240, 300)),
    # night shifts start 21:00-23:00 and cross midnight
    "night": ShiftRule("night", 21 * H, 23 * H, (480, 510)),
}


def _week(weekdays, saturday=None, sunday=None) -> tuple:
    """Seven days of (open, close) minutes, Monday first."""
    return (weekdays,) * 5 + (saturday, sunday)


OFFICE = _week((8 * H, 16 * H))
ALL_DAY = _week((0, 1440), (0, 1440), (0, 1440))
# per client kind: its queues in the order they are added (channel, language, opening hours,
# intraday peaks as (hour, width, height), weekend level)
KINDS = {
    "telco": (
        ("voice", "fi", _week((8 * H, 20 * H), (10 * H, 16 * H))),
        ("chat", "fi", _week((8 * H, 20 * H), (10 * H, 18 * H), (10 * H, 18 * H))),
        ("email", "fi", OFFICE),
        ("voice", "sv", _week((8 * H, 18 * H), (10 * H, 16 * H))),
    ),
    "webshop": (
        ("chat", "fi", _week((8 * H, 22 * H), (10 * H, 22 * H), (10 * H, 22 * H))),
        ("voice", "fi", _week((9 * H, 17 * H))),
        ("email", "fi", OFFICE),
        ("chat", "sv", _week((9 * H, 17 * H), (10 * H, 16 * H))),
    ),
    "bank": (
        ("voice", "fi", _week((8 * H, 18 * H))),
        ("email", "fi", OFFICE),
        ("voice", "sv", OFFICE),
        ("chat", "fi", _week((8 * H, 18 * H))),
    ),
    "energy": (
        ("voice", "fi", _week((8 * H, 18 * H))),
        ("email", "fi", OFFICE),
        ("chat", "fi", _week((8 * H, 18 * H))),
        ("voice", "sv", _week((9 * H, 16 * H))),
    ),
    "insurer": (
        ("voice", "fi", _week((8 * H, 18 * H))),
        ("email", "fi", OFFICE),
        # the claims line never closes: night shifts cross midnight
        ("voice", "en", ALL_DAY),
        ("chat", "fi", _week((8 * H, 18 * H))),
    ),
    "travel": (
        ("voice", "fi", _week((7 * H, 22 * H), (9 * H, 18 * H), (9 * H, 18 * H))),
        ("chat", "en", _week((8 * H, 22 * H), (9 * H, 21 * H), (9 * H, 21 * H))),
        ("email", "en", OFFICE),
        ("voice", "sv", _week((8 * H, 18 * H))),
    ),
}
KIND_ORDER = ("telco", "webshop", "bank", "energy", "insurer", "travel")
TARGETS = {
    "voice": ServiceTarget(0.8, 20, 0.85),
    "chat": ServiceTarget(0.8, 60, 0.85, concurrency=2),
    "email": ServiceTarget(0.9, 0, 0.9, response_minutes=8 * H),
}
AHT_SECONDS = {"voice": 300.0, "chat": 540.0, "email": 420.0}
# contacts arrive with a morning peak and an afternoon peak; chat also peaks in the evening
PEAKS = {
    "voice": ((10.5, 1.6, 1.0), (14.0, 2.0, 0.8)),
    "chat": ((11.0, 2.0, 0.8), (19.5, 2.0, 0.9)),
    "email": ((9.0, 2.5, 1.0), (13.0, 3.0, 0.6)),
}
WEEKDAY_LEVEL = (1.2, 1.05, 1.0, 1.0, 0.9, 0.55, 0.45)  # Monday is the busiest day
CAPACITY_SHARE = 1.0  # requirement / contracted agent-intervals (midpoint of each contract)


@dataclass(frozen=True)
class Team:
    """Agents with the same skills, shift rule and contract mix."""

    skills: frozenset[str]
    rule: str
    weight: float  # share of the agents


def bench_problem(size: str | Size = "M", seed: int = 1) -> Problem:
    """The seeded benchmark week of the given size (S, M or L)."""
    spec = SIZES[size] if isinstance(size, str) else size
    rng = random.Random(seed)
    grid = Grid(BENCH_MONDAY, spec.days, spec.interval_minutes)
    queues, hours, volume = _queues(spec, rng)
    teams = _teams(queues, hours, rng)
    agents = _agents(spec.agents, teams, grid, rng)
    is_open = {q.key: tuple(hours[q.key].is_open(grid.local(t)) for t in range(grid.n_intervals))
               for q in queues}
    capacity = sum((a.contract.min_minutes_per_week + a.contract.max_minutes_per_week) / 2
                   for a in agents) * spec.days / 7 / spec.interval_minutes
    scale = 10.0
    for _ in range(6):  # Erlang is not linear in volume: rescale until demand meets capacity
        requirement = _requirement(grid, queues, hours, is_open, volume, scale)
        demand = sum(sum(v) for v in requirement.values())
        scale *= (CAPACITY_SHARE * capacity / demand) ** 1.1
    return Problem(grid, queues, agents, requirement, is_open)


def _queues(spec: Size, rng: random.Random):
    """Queues of every client, their opening hours and relative volumes."""
    per_client = spec.queues // spec.clients
    extra = spec.queues - per_client * spec.clients
    queues, hours, volume = [], {}, {}
    for c in range(spec.clients):
        kind = KIND_ORDER[c % len(KIND_ORDER)]
        client = f"{kind}{c // len(KIND_ORDER) + 1}"
        size = rng.uniform(0.5, 1.6)
        for i, (channel, language, weekly) in enumerate(KINDS[kind][: per_client + (c < extra)]):
            key = queue_key(client, channel, language)
            weight = rng.choice((80, 100, 100, 150))
            queues.append(Queue(key, client, channel, language, shortfall_weight=weight))
            hours[key] = OpeningHours(weekly, closed_on_holidays=channel != "chat")
            share = (1.0, 0.6, 0.4, 0.25)[i] if weekly is not ALL_DAY else 0.3
            volume[key] = size * share * rng.uniform(0.8, 1.2)
    return tuple(queues), hours, volume


def _teams(queues: tuple[Queue, ...], hours, rng: random.Random) -> list[Team]:
    """Specialist teams per client, language teams and cross-trained pairs of clients."""
    teams = []
    clients = sorted({q.client for q in queues})
    for client in clients:
        own = [q for q in queues if q.client == client]
        fi = frozenset(q.key for q in own if q.language == "fi")
        everything = frozenset(q.key for q in own)
        late = [q.key for q in own if _closes_after(hours[q.key], 19 * H)]
        night = [q.key for q in own if hours[q.key].weekly[0] == (0, 1440)]
        if fi:
            teams.append(Team(fi, "day", 3.0))
            teams.append(Team(fi, "early", 0.8))
        if everything != fi:
            teams.append(Team(everything, "day", 1.2))
        for q in own:
            if q.language != "fi":
                teams.append(Team(frozenset({q.key}), "day", 0.6))
        if late:
            teams.append(Team(frozenset(late) | fi, "evening", 1.5))
            chats = frozenset(q for q in late if "-chat-" in q)
            if chats:
                teams.append(Team(chats, "short", 0.8))
        if night:
            teams.append(Team(frozenset(night), "night", 0.9))
            teams.append(Team(frozenset(night) | fi, "day", 0.5))
    for a, b in zip(clients, clients[1:] + clients[:1], strict=True):
        if a == b:
            continue
        pair = [q for q in queues if q.client in (a, b) and q.channel != "email"
                and q.language == "fi"]
        if len({q.client for q in pair}) == 2:
            teams.append(Team(frozenset(q.key for q in pair), rng.choice(("day", "day", "early")),
                              1.0))
    return teams


def _closes_after(hours: OpeningHours, minute: int) -> bool:
    """Whether the queue is open after `minute` on some day."""
    return any(h is not None and h[1] > minute for h in hours.weekly)


def _agents(n: int, teams: list[Team], grid: Grid, rng: random.Random) -> tuple[Agent, ...]:
    """Agents drawn into teams by weight, with contracts and a few approved days off."""
    total = sum(t.weight for t in teams)
    counts = [max(1, round(n * t.weight / total)) for t in teams]
    while sum(counts) > n:
        counts[max(range(len(counts)), key=lambda i: counts[i])] -= 1
    while sum(counts) < n:
        counts[rng.randrange(len(counts))] += 1
    agents = []
    for team, count in zip(teams, counts, strict=True):
        for _ in range(count):
            i = len(agents)
            if team.rule == "short":
                contract = CONTRACTS["hourly"]
            else:
                contract = CONTRACTS["full-time" if rng.random() < 0.7 else "part-time"]
            off = frozenset(rng.sample(grid.day_list, rng.choice((1, 2))) if rng.random() < 0.08
                            else ())
            agents.append(Agent(f"agent{i:04d}", f"Agent {i:04d}", team.skills, contract,
                                SHIFT_RULES[team.rule], off))
    return tuple(agents)


def _requirement(grid: Grid, queues, hours, is_open, volume, scale: float):
    """Required agents per queue and interval from contacts by the staffing module."""
    starts = pd.date_range(grid.start_utc, periods=grid.n_intervals, freq=grid.step)
    frames = []
    for q in queues:
        contacts = []
        for t in range(grid.n_intervals):
            local = grid.local(t)
            hour = local.hour + local.minute / 60
            shape = 0.15 + sum(h * math.exp(-((hour - p) ** 2) / (2 * w * w))
                               for p, w, h in PEAKS[q.channel])
            if hours[q.key].weekly[0] == (0, 1440):
                shape = 0.3 + 0.7 * shape  # a round-the-clock line is never quiet
            level = WEEKDAY_LEVEL[local.weekday()]
            contacts.append(scale * volume[q.key] * shape * level if is_open[q.key][t] else 0.0)
        frames.append(pd.DataFrame({"interval_start": starts, "queue": q.key,
                                    "contacts": contacts,
                                    "aht_seconds": AHT_SECONDS[q.channel]}))
    required = requirement_frame(pd.concat(frames), {q.key: TARGETS[q.channel] for q in queues},
                                 {q.key: q.channel for q in queues}, grid.interval_minutes,
                                 opening_hours=hours)
    by_queue = {q: tuple(int(x) for x in part.sort_values("interval_start")["required_agents"])
                for q, part in required.groupby("queue")}
    return {q.key: tuple(r if is_open[q.key][t] else 0 for t, r in enumerate(by_queue[q.key]))
            for q in queues}
