"""Fairness: weekends, evenings and nights spread over agents pro rata (soft, no solver here).

For each kind of unsocial time (`Problem.fairness`), every agent who could work some of it
(a candidate shift on a weekend day, or touching the evening or night window) has a fair
share of the total the roster gives all such agents: the total times their contract's
maximum minutes per week over the sum of those maxima, rounded up (with 23 weekend shifts
for 41 such agents, one each is everybody's share). The penalty counts, per agent, the
shifts (weekends) or intervals (evenings, nights) above that share, times the kind's weight:

    excess_a = max(0, count_a - ceil(h_a * total / H)),  H = sum of h over the agents

which is linear for CP-SAT once `total` is one variable: the share is the integer quotient
(h_a * total + H - 1) / H, and the excess a max of two linear terms (one division and one
max per agent and kind). Two identical agents sharing two weekend shifts pay nothing with
one each and one weight with both on one agent. An agent alone in a kind can never be above
their share, so a kind with fewer than two such agents is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from scheduler.candidates import Candidate, all_candidates
from scheduler.domain import Problem, Roster, Shift

KINDS = ("weekends", "evenings", "nights")


@dataclass(frozen=True)
class Kind:
    """One kind of unsocial time as the term counts it."""

    name: str  # the soft term: fair_weekends, fair_evenings or fair_nights
    weight: int
    shares: dict[str, int]  # eligible agent -> contract maximum minutes per week
    count: Callable[[int, int, int], int]  # (day, first, end) intervals of a shift -> count

    @property
    def total_share(self) -> int:
        """H: the shares summed."""
        return sum(self.shares.values())


def _in_window(minute: int, window: tuple[int, int]) -> bool:
    """Whether a local minute lies in a window that may wrap past midnight."""
    start, end = window
    return start <= minute < end if start < end else (minute >= start or minute < end)


@lru_cache(maxsize=8)
def kinds(problem: Problem) -> tuple[Kind, ...]:
    """The kinds of unsocial time this problem weighs, with their eligible agents."""
    rules = problem.fairness
    grid = problem.grid
    prefix: dict[str, list[int]] = {}
    for key, window in (("evenings", rules.evening_minutes), ("nights", rules.night_minutes)):
        sums = [0]
        for t in range(grid.n_intervals):
            local = grid.local(t)
            sums.append(sums[-1] + _in_window(local.hour * 60 + local.minute, window))
        prefix[key] = sums
    weekend = [day.weekday() >= 5 for day in grid.day_list]
    counters: dict[str, Callable[[int, int, int], int]] = {
        "weekends": lambda d, _first, _end: int(0 <= d < len(weekend) and weekend[d]),
        "evenings": lambda _d, first, end: prefix["evenings"][end] - prefix["evenings"][first],
        "nights": lambda _d, first, end: prefix["nights"][end] - prefix["nights"][first],
    }
    weights = {"weekends": rules.weekend_weight, "evenings": rules.evening_weight,
               "nights": rules.night_weight}
    candidates = all_candidates(problem) if rules.active else {}
    found = []
    for name in KINDS:
        if not weights[name]:
            continue
        count = counters[name]
        shares = {
            agent.key: max(1, agent.contract.max_minutes_per_week)
            for agent in problem.agents
            if any(count(c.day, c.start, c.end) for cs in candidates[agent.key].values()
                   for c in cs)
        }
        if len(shares) >= 2:
            found.append(Kind(f"fair_{name}", weights[name], shares, count))
    return tuple(found)


def candidate_count(kind: Kind, c: Candidate) -> int:
    """How much of the kind a candidate shift holds."""
    return kind.count(c.day, c.start, c.end)


def fair_share(share: int, total: int, total_share: int) -> int:
    """An agent's share of a total, pro rata and rounded up: ceil(share * total / H)."""
    return -(-(share * total) // total_share)


def excess(count: int, share: int, total: int, total_share: int) -> int:
    """Shifts or intervals above the fair share: max(0, count - ceil(share * total / H))."""
    return max(0, count - fair_share(share, total, total_share))


def shift_count(problem: Problem, kind: Kind, shift: Shift) -> int:
    """How much of the kind a rostered shift holds (0 off the grid: the validator says why)."""
    grid = problem.grid
    try:
        first, end = grid.index_of(shift.start), grid.index_of(shift.end)
    except ValueError:
        return 0
    d = grid.day_list.index(shift.day) if shift.day in grid.day_list else -1
    return kind.count(d, first, end)


def excesses(problem: Problem, roster: Roster, kind: Kind) -> dict[str, tuple[int]]:
    """Per eligible agent, (their excess over the fair share,) for one kind."""
    counts = dict.fromkeys(kind.shares, 0)
    for shift in roster.shifts:
        if shift.agent in counts:
            counts[shift.agent] += shift_count(problem, kind, shift)
    total = sum(counts.values())
    return {a: (excess(n, kind.shares[a], total, kind.total_share),) for a, n in counts.items()}


def fairness_penalties(problem: Problem, roster: Roster) -> dict[str, int]:
    """The weighted fairness terms of a roster by name (none when the problem has none)."""
    return {kind.name: kind.weight * sum(e for (e,) in excesses(problem, roster, kind).values())
            for kind in kinds(problem)}
