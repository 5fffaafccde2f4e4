"""A quick greedy roster that respects the hard rules where it can, used to hint the solver."""

from __future__ import annotations

import math
from datetime import timedelta

from scheduler.candidates import Candidate, all_candidates
from scheduler.coffee import place_coffee
from scheduler.domain import Activity, Agent, Break, Problem, Roster, Shift
from scheduler.rules import week_bounds


def greedy_roster(problem: Problem) -> Roster:
    """Give each agent, fewest skills first, the shifts covering most remaining demand."""
    residual = {q.key: list(problem.requirement[q.key]) for q in problem.queues}
    weight = {q.key: q.shortfall_weight for q in problem.queues}
    candidates = all_candidates(problem)
    shifts: list[Shift] = []
    for agent in sorted(problem.agents, key=lambda a: (len(a.skills), a.key)):
        skills = sorted(agent.skills)
        chosen = _choose(problem, agent, candidates[agent.key], residual, weight, skills)
        shifts.extend(_shift(problem, agent, c, residual, weight, skills) for c in chosen)
    return place_coffee(problem, Roster(tuple(sorted(shifts, key=lambda s: (s.agent, s.start)))))


def _value(problem: Problem, c: Candidate, residual, weight, skills: list[str]) -> int:
    """Weighted demand the candidate could meet, ignoring the break."""
    return sum(
        max((weight[q] for q in skills if residual[q][t] > 0 and problem.is_open[q][t]),
            default=0)
        for t in range(c.start, c.end)
    )


def _choose(problem, agent: Agent, by_day, residual, weight, skills) -> list[Candidate]:
    """Pick the agent's shifts day by day, best value first, within rest and weekly bounds."""
    step = problem.grid.interval_minutes
    rest = -(-agent.contract.min_daily_rest_minutes // step)
    chosen: dict[int, Candidate] = {}
    for days in problem.weeks().values():
        low, high = week_bounds(problem, agent.key, days)
        paid = 0
        while True:
            best, best_key = None, None
            for d in days:
                if d in chosen or d not in by_day:
                    continue
                free = sum(1 for e in days if e not in chosen and e in by_day and e != d)
                longest = max(c.paid_minutes for x in by_day.values() for c in x)
                for c in by_day[d]:
                    if paid + c.paid_minutes > high or not _rested(chosen, c, rest):
                        continue
                    if not _keeps_rules(problem, agent, chosen, c):
                        continue
                    if paid + c.paid_minutes + free * longest < low:
                        continue  # would leave the contract minimum out of reach
                    key = (_value(problem, c, residual, weight, skills), c.paid_minutes)
                    if best_key is None or key > best_key:
                        best, best_key = c, key
            if best is None or (best_key[0] == 0 and paid >= low):
                break
            chosen[best.day] = best
            paid += best.paid_minutes
    return sorted(chosen.values(), key=lambda c: c.start)


def _keeps_rules(problem, agent: Agent, chosen: dict[int, Candidate], c: Candidate) -> bool:
    """Whether adding c keeps consecutive days, weekly rest and rest after the published roster.

    Days not chosen yet count as free, so the checks stay true as later days are added only
    when those days are checked too (every candidate passes through here).
    """
    grid, contract = problem.grid, agent.contract
    fixed = problem.fixed_before.get(agent.key, ())
    start = grid.interval_start(c.start)
    if fixed and (start - max(s.end for s in fixed)) < timedelta(
            minutes=contract.min_daily_rest_minutes):
        return False
    worked = {grid.day_list[d] for d in chosen} | {grid.day_list[c.day]} | {s.day for s in fixed}
    day = grid.day_list[c.day]
    run_before = next(k for k in range(len(worked) + 1) if day - timedelta(k + 1) not in worked)
    run_after = next(k for k in range(len(worked) + 1) if day + timedelta(k + 1) not in worked)
    if run_before + 1 + run_after > contract.max_consecutive_days:
        return False
    rest = math.ceil(contract.min_weekly_rest_minutes / grid.interval_minutes)
    days = next(w for w in problem.weeks().values() if c.day in w)
    if rest <= 0 or len(days) < 7:
        return True
    taken = {**chosen, c.day: c}
    for d in days:
        if d in taken:
            continue
        ends = [x.end for e, x in taken.items() if e < d]
        starts = [x.start for e, x in taken.items() if e > d]
        if d == 0 and agent.key in problem.fixed_before:
            ends += [math.ceil((s.end - grid.start_utc) / grid.step) for s in fixed] or [0]
        if not ends or not starts or min(starts) - max(ends) >= rest:
            return True
    return False


def _gain(k: str, t: int, now: str | None, window: list[int], residual, weight) -> float:
    """Demand queue k meets per interval from t; after a switch the new block must last its
    minimum length (min_activity_block), so it is judged over that window."""
    if now is None or k == now:
        return weight[k] * (residual[k][t] > 0)
    return sum(weight[k] * (residual[k][u] > 0) for u in window) / max(1, len(window))


def _closing_soon(problem, q: str, t: int, end: int, least: int, resting: set[int]) -> bool:
    """Whether a block on q starting at t could not last `least` intervals in the shift."""
    return any(u >= end or u in resting or not problem.is_open[q][u] for u in range(t, t + least))


def _rested(chosen: dict[int, Candidate], c: Candidate, rest: int) -> bool:
    """Whether the candidate keeps the daily rest to the already chosen shifts."""
    return all(
        c.start >= other.end + rest if other.day < c.day else other.start >= c.end + rest
        for other in chosen.values()
    )


def _shift(problem, agent: Agent, c: Candidate, residual, weight, skills) -> Shift:
    """The shift with its break at the quietest allowed moment and the best queue per interval."""
    grid = problem.grid
    resting: set[int] = set()
    breaks: tuple[Break, ...] = ()
    if c.needs_break:
        def lost(s: int) -> int:
            return sum(max((weight[q] * residual[q][t] for q in skills if problem.is_open[q][t]),
                           default=0) for t in range(s, s + c.break_intervals))
        s = min(c.break_starts, key=lost)
        resting = set(range(s, s + c.break_intervals))
        breaks = (Break(grid.interval_start(s), grid.interval_start(s + c.break_intervals),
                        paid=agent.shift_rule.meal_break_paid),)
    blocks: list[tuple[str, int, int]] = []
    least = math.ceil(agent.shift_rule.min_activity_minutes / grid.interval_minutes)
    for t in range(c.start, c.end):
        open_queues = [q for q in skills if problem.is_open[q][t]]
        if t in resting or not open_queues:
            continue
        current = blocks[-1] if blocks and blocks[-1][2] == t else None
        if current and current[2] - current[1] < least:
            # too early to switch queues (min_activity_block): stay, or step off if it closed
            if current[0] not in open_queues:
                continue
            open_queues = [current[0]]
        now = current[0] if current else None
        window = [u for u in range(t, min(t + least, c.end)) if u not in resting]
        q = max(open_queues, key=lambda k: (_gain(k, t, now, window, residual, weight), k == now,
                                            weight[k] * residual[k][t]))
        if current and q != current[0] and _closing_soon(problem, q, t, c.end, least, resting):
            if current[0] not in open_queues:
                continue  # a block on q would be too short: back-office time instead
            q = current[0]
        residual[q][t] -= 1
        if blocks and blocks[-1][0] == q and blocks[-1][2] == t:
            blocks[-1] = (q, blocks[-1][1], t + 1)
        else:
            blocks.append((q, t, t + 1))
    activities = tuple(Activity(q, grid.interval_start(a), grid.interval_start(b))
                       for q, a, b in blocks)
    return Shift(agent.key, grid.day_list[c.day], grid.interval_start(c.start),
                 grid.interval_start(c.end), breaks, activities)
