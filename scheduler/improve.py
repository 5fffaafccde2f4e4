"""Local search over whole day patterns: each agent's exact best response to the others.

With one pattern per agent, changing one agent's pattern while the others stay changes the
objective linearly in what the agent works: a (day, shift type) the others leave short earns
its under-cover weight, one they already fill costs its over-cover weight. So the agent's best
pattern against the others is one call of the pricing recursion (`DayPatterns.best`) at those
prices: an exact move over every valid pattern of the agent, not a small swap.

`improve` descends agent by agent until no agent can do better alone, then leaves the local
optimum by ruin and recreate: a few agents are freed (at random, or those working the day of
a badly covered row), put back one at a time by best response in a random order, the freed
agents descend again, and the result is kept when it is no worse (plateaus are crossed). A
tiny random tie-break on the prices picks among patterns of equal value. Every pattern is
valid for its agent, so every roster on the way is.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from scheduler.patterns import DayPatterns, Pattern

TIE_BREAK = 1e-3  # price noise: far below any weight, so it only orders equal patterns
RUIN_MOST = 6  # agents freed at once, at most


@dataclass
class Improved:
    """The best patterns found (one per agent), their objective and the moves that helped."""

    patterns: list[Pattern]
    value: int
    moves: int = 0


class _State:
    """Patterns, their cover counts and the objective, kept up to date move by move."""

    def __init__(self, pricers: Sequence[DayPatterns], rows: dict[tuple[int, str], int],
                 demand: Sequence[tuple[int, int, int]], patterns: list[Pattern]) -> None:
        self.pricers, self.rows, self.demand = pricers, rows, demand
        self.patterns = list(patterns)
        self.count = [0] * len(demand)
        self.worked: list[tuple[int, ...]] = [self._rows(e, p) for e, p in enumerate(patterns)]
        self.own = [pricers[e].cost(p) for e, p in enumerate(patterns)]
        for rows_of in self.worked:
            for r in rows_of:
                self.count[r] += 1

    def _rows(self, e: int, pattern: Pattern) -> tuple[int, ...]:
        return tuple(self.rows[k] for k in self.pricers[e].covers(pattern) if k in self.rows)

    def value(self) -> int:
        """Own penalties plus day cover."""
        cover = sum(under * max(0, req - c) + over * max(0, c - req)
                    for c, (req, under, over) in zip(self.count, self.demand, strict=True))
        return sum(self.own) + cover

    def remove(self, e: int) -> None:
        """Take agent e's pattern out of the counts."""
        for r in self.worked[e]:
            self.count[r] -= 1

    def put(self, e: int, pattern: Pattern) -> None:
        """Give agent e a pattern and count it."""
        self.patterns[e] = pattern
        self.worked[e] = self._rows(e, pattern)
        self.own[e] = self.pricers[e].cost(pattern)
        for r in self.worked[e]:
            self.count[r] += 1

    def prices(self, rng: random.Random | None) -> dict[tuple[int, str], float]:
        """What working each (day, type) is worth against the counted agents."""
        prices = {}
        for key, r in self.rows.items():
            required, under, over = self.demand[r]
            price = float(under if self.count[r] < required else -over)
            prices[key] = price + (rng.random() * TIE_BREAK if rng is not None else 0.0)
        return prices

    def respond(self, e: int, rng: random.Random | None) -> bool:
        """Move agent e (taken out of the counts) to its best response; True if it gained."""
        prices = self.prices(None)
        current = self.own[e] - sum(prices.get(k, 0.0)
                                    for k in self.pricers[e].covers(self.patterns[e]))
        value, pattern = self.pricers[e].best(self.prices(rng) if rng else prices)
        if pattern is None:
            self.put(e, self.patterns[e])
            return False
        exact = self.pricers[e].cost(pattern) - sum(prices.get(k, 0.0)
                                                    for k in self.pricers[e].covers(pattern))
        if exact < current - 0.5:  # objective values are integers
            self.put(e, pattern)
            return True
        self.put(e, pattern if rng is not None and exact <= current + 1e-9
                 else self.patterns[e])
        return False


def improve(pricers: Sequence[DayPatterns], rows: dict[tuple[int, str], int],
            demand: Sequence[tuple[int, int, int]], start: list[Pattern], *,
            deadline: float, seed: int = 0, patience: int = 100) -> Improved:
    """The best roster local search reaches from `start` by the deadline, or once
    `patience` ruins in a row found nothing better; see the module docstring."""
    rng = random.Random(seed)
    state = _State(pricers, rows, demand, start)
    moves = _descend(state, list(range(len(pricers))), deadline, None)
    best = Improved(list(state.patterns), state.value(), moves)
    current, stale = best.value, 0
    while time.monotonic() < deadline and len(pricers) > 1 and stale < patience:
        stale += 1
        saved = (list(state.patterns), list(state.worked), list(state.own), list(state.count))
        freed = _pick(state, rng)
        for e in freed:
            state.remove(e)
        for e in rng.sample(freed, len(freed)):
            _insert(state, e, rng)
        _descend(state, freed, deadline, rng)
        value = state.value()
        if value <= current:
            current = value
            if value < best.value:
                best, stale = Improved(list(state.patterns), value, best.moves + 1), 0
        else:
            state.patterns, state.worked, state.own, state.count = saved
    return best


def _insert(state: _State, e: int, rng: random.Random) -> None:
    """Put a freed agent back at its best response to the agents counted now."""
    _, pattern = state.pricers[e].best(state.prices(rng))
    state.put(e, pattern if pattern is not None else state.patterns[e])


def _descend(state: _State, agents: list[int], deadline: float,
             rng: random.Random | None) -> int:
    """Best responses over `agents` until none gains; the number of gaining moves."""
    moves, improved = 0, True
    while improved and time.monotonic() < deadline:
        improved = False
        for e in agents:
            if time.monotonic() >= deadline:
                break
            state.remove(e)
            if state.respond(e, rng):
                moves += 1
                improved = True
    return moves


def _pick(state: _State, rng: random.Random) -> list[int]:
    """Agents to free: at random, or those working the day of a badly covered row."""
    n = len(state.pricers)
    k = rng.randint(2, min(RUIN_MOST, n))
    if rng.random() < 0.5:
        return rng.sample(range(n), k)
    bad = [key for key, r in state.rows.items() if state.count[r] != state.demand[r][0]]
    if not bad:
        return rng.sample(range(n), k)
    day, _ = rng.choice(bad)
    on_day = [e for e, p in enumerate(state.patterns) if p[day] is not None]
    off_day = [e for e in range(n) if e not in on_day]
    pool = rng.sample(on_day, min(len(on_day), k // 2 + 1)) + \
        rng.sample(off_day, min(len(off_day), k - k // 2 - 1))
    return pool or rng.sample(range(n), k)
