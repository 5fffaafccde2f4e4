"""A quick greedy roster that respects the hard rules where it can, used to hint the solver."""

from __future__ import annotations

from scheduler.candidates import Candidate, all_candidates
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
    return Roster(tuple(sorted(shifts, key=lambda s: (s.agent, s.start))))


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
    for t in range(c.start, c.end):
        open_queues = [q for q in skills if problem.is_open[q][t]]
        if t in resting or not open_queues:
            continue
        q = max(open_queues, key=lambda k: (residual[k][t] > 0, weight[k] * residual[k][t]))
        residual[q][t] -= 1
        if blocks and blocks[-1][0] == q and blocks[-1][2] == t:
            blocks[-1] = (q, blocks[-1][1], t + 1)
        else:
            blocks.append((q, t, t + 1))
    activities = tuple(Activity(q, grid.interval_start(a), grid.interval_start(b))
                       for q, a, b in blocks)
    return Shift(agent.key, grid.day_list[c.day], grid.interval_start(c.start),
                 grid.interval_start(c.end), breaks, activities)
