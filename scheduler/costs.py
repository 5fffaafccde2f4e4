"""What rostered work costs: each agent's pay rate per interval, with its premiums (no solver).

The pay of an interval is the contract's hourly rate plus every premium whose window covers
the interval's local start (night work, evenings, Sundays and public holidays), for the
interval's length, rounded to whole units. A shift costs the pay of its intervals less its
unpaid breaks; `scheduler.penalties.shift_cost` puts the same sums into the objective.
"""

from __future__ import annotations

from functools import lru_cache

from scheduler.domain import Agent, Problem, Roster


def interval_pay(problem: Problem, agent: Agent) -> tuple[int, ...]:
    """Cost of the agent working each interval of the grid (all zero without pay rates)."""
    return _interval_pay(problem, agent.contract.pay)


@lru_cache(maxsize=256)
def _interval_pay(problem: Problem, pay) -> tuple[int, ...]:
    """Pay per interval for one set of rates (shared by every agent on the same contract)."""
    grid = problem.grid
    if pay is None:
        return (0,) * grid.n_intervals
    hours = grid.interval_minutes / 60
    values = []
    for t in range(grid.n_intervals):
        local = grid.local(t)
        holiday = local.date() in problem.holidays
        rate = pay.hourly + sum(p.extra_per_hour for p in pay.premiums
                                if p.applies(local, holiday))
        values.append(round(rate * hours))
    return tuple(values)


def has_pay(problem: Problem) -> bool:
    """Whether any agent's contract prices their work."""
    return any(a.contract.pay is not None for a in problem.agents)


def roster_cost(problem: Problem, roster: Roster) -> int:
    """Pay for every rostered shift: its intervals less unpaid breaks."""
    agents = {a.key: a for a in problem.agents}
    grid = problem.grid
    total = 0
    for shift in roster.shifts:
        agent = agents.get(shift.agent)
        if agent is None or agent.contract.pay is None:
            continue
        pay = interval_pay(problem, agent)
        first, end = grid.index_of(shift.start), grid.index_of(shift.end)
        total += sum(pay[first:end])
        for b in shift.breaks:
            if not b.paid:
                total -= sum(pay[grid.index_of(b.start):grid.index_of(b.end)])
    return total
