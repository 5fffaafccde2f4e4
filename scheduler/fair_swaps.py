"""Spread weekends, evenings and nights by swapping whole shifts between look-alike agents.

Two agents with the same skills, shift rule, contract and time off (one LP group,
`scheduler.aggregate.group_agents`) can trade a day's shifts without changing coverage, pay
or switches (agents with shift requests are left out): only the fairness terms
(`scheduler.fairness`) and each agent's own rules move. The LP planner calls this last; a
trade is kept when it lowers the fairness penalty and both agents' shifts still pass the
validator.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import replace

from scheduler.domain import Problem, Roster, Shift
from scheduler.fairness import Kind, excess, kinds, shift_count
from scheduler.validate import validate


def fair_swaps(problem: Problem, roster: Roster, groups: list[list[str]], *,
               deadline: float) -> Roster:
    """The roster with day trades inside groups that lower the fairness penalty."""
    fair = kinds(problem)
    if not fair:
        return roster
    grid = problem.grid
    by_agent_day: dict[tuple[str, int], Shift] = {}
    for shift in roster.shifts:
        if shift.day in grid.day_list:
            by_agent_day[shift.agent, grid.day_list.index(shift.day)] = shift
    if len(by_agent_day) != len(roster.shifts):
        return roster  # shifts off the period or two on a day: the validator's to report
    counts: dict[tuple[str, str], int] = defaultdict(int)  # (kind, agent) -> count
    holds: dict[tuple[str, Shift], int] = {}
    for shift in by_agent_day.values():
        for kind in fair:
            n = shift_count(problem, kind, shift)
            holds[kind.name, shift] = n
            counts[kind.name, shift.agent] += n
    totals = {kind.name: sum(counts[kind.name, a] for a in kind.shares) for kind in fair}
    agents = {a.key: a for a in problem.agents}

    def penalty(kind: Kind, agent: str, n: int) -> int:
        if agent not in kind.shares:
            return 0
        return kind.weight * excess(n, kind.shares[agent], totals[kind.name], kind.total_share)

    def gain(a: str, b: str, give: list[Shift], take: list[Shift]) -> int:
        """Fairness saved when a's shifts `give` go to b and b's shifts `take` go to a."""
        saved = 0
        for kind in fair:
            ca, cb = counts[kind.name, a], counts[kind.name, b]
            moved = sum(holds[kind.name, x] for x in give) - sum(holds[kind.name, x]
                                                                 for x in take)
            saved += (penalty(kind, a, ca) + penalty(kind, b, cb)
                      - penalty(kind, a, ca - moved) - penalty(kind, b, cb + moved))
        return saved

    def trade(a: str, b: str, give: list[tuple[int, Shift]], take: list[tuple[int, Shift]]
              ) -> bool:
        """Make the trade if it lowers the penalty and keeps both agents' rules."""
        nonlocal by_agent_day
        if gain(a, b, [x for _, x in give], [x for _, x in take]) <= 0:
            return False
        trial = dict(by_agent_day)
        for d, _ in give:
            trial.pop((a, d))
        for d, _ in take:
            trial.pop((b, d))
        swapped = {(b, d): replace(x, agent=b) for d, x in give}
        swapped.update({(a, d): replace(x, agent=a) for d, x in take})
        trial.update(swapped)
        mine = Roster(tuple(x for (k, _), x in trial.items() if k in (a, b)))
        sub = replace(problem, agents=(agents[a], agents[b]),
                      fixed_before={k: v for k, v in problem.fixed_before.items()
                                    if k in (a, b)})
        if validate(sub, mine):
            return False
        for kind in fair:
            moved = (sum(holds[kind.name, x] for _, x in give)
                     - sum(holds[kind.name, x] for _, x in take))
            counts[kind.name, a] -= moved
            counts[kind.name, b] += moved
        for x in swapped.values():
            for kind in fair:
                holds[kind.name, x] = shift_count(problem, kind, x)
        by_agent_day = trial
        return True

    # an agent's own shift requests would make a trade cost something else: leave them be
    groups = [[k for k in members if not agents[k].shift_requests] for members in groups]
    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        for members in groups:
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    for x, y in ((a, b), (b, a)):
                        if time.monotonic() >= deadline:
                            return _roster(by_agent_day)
                        improved |= _trades(grid.days, by_agent_day, x, y, trade)
    return _roster(by_agent_day)


def _trades(days: int, by_agent_day: dict[tuple[str, int], Shift], a: str, b: str,
            trade) -> bool:
    """Try a's shift of each day for b's of the same day (or none), then for b's shift of
    another day a is free on (the weekly hours then mostly stay put)."""
    done = False
    for d in range(days):
        sa = by_agent_day.get((a, d))
        if sa is None:
            continue
        sb = by_agent_day.get((b, d))
        if trade(a, b, [(d, sa)], [(d, sb)] if sb is not None else []):
            done = True
            continue
        if sb is not None:
            continue
        for e in range(days):
            other = by_agent_day.get((b, e))
            if e != d and other is not None and (a, e) not in by_agent_day and trade(
                    a, b, [(d, sa)], [(e, other)]):
                done = True
                break
    return done


def _roster(by_agent_day: dict[tuple[str, int], Shift]) -> Roster:
    """The shifts as a roster in (agent, start) order."""
    return Roster(tuple(sorted(by_agent_day.values(), key=lambda s: (s.agent, s.start))))
