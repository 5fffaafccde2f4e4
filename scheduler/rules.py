"""Hard rules of the rostering model, one function each, applied in order by `solve`.

Two hard rules need no constraint because the candidates never break them: approved time off
(no candidates on those days) and the contract's daily maximum of paid minutes (longer
candidates are not generated); see `scheduler.candidates.agent_candidates`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta

from ortools.sat.python import cp_model

from scheduler.domain import Agent, Problem
from scheduler.variables import Variables

HardRule = Callable[[cp_model.CpModel, Problem, Variables], None]


def one_shift_per_day(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """An agent works at most one shift per local day."""
    for a, d in v.works:
        model.add_at_most_one(x for _, x in v.day_candidates(a, d))


def meal_break(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """A shift over the rule's threshold gets one meal break starting inside its window."""
    for a, d in v.works:
        starts = v.day_break_starts(a, d)
        with_break = [(c, x) for c, x in v.day_candidates(a, d) if c.needs_break]
        # one break exactly when the chosen shift needs one, none otherwise
        model.add(sum(starts.values()) == sum(x for _, x in with_break))
        for s, b in starts.items():
            # the break may start at s only if the chosen shift allows a break there
            model.add_bool_or([x for c, x in with_break if s in c.break_starts]).only_enforce_if(b)


def coffee_breaks(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """The chosen shift gets one paid coffee break inside each of its coffee windows.

    The windows of a shift do not overlap (`ShiftRule` checks), so "as many breaks as
    windows, at least one in each" is exactly one in each. Coffee breaks count among the
    breaks of `one_queue_per_working_interval`, which keeps them off the queues and apart
    from the meal break.
    """
    for a, d in v.works:
        starts = v.day_coffee_starts(a, d)
        if not starts:
            continue
        chosen = v.day_candidates(a, d)
        model.add(sum(starts.values()) == sum(len(c.coffee_windows) * x for c, x in chosen))
        for s, b in starts.items():
            model.add_bool_or([x for c, x in chosen
                               if any(s in w for w in c.coffee_windows)]).only_enforce_if(b)
        for c, x in chosen:
            for window in c.coffee_windows:
                model.add(sum(starts[s] for s in window) >= 1).only_enforce_if(x)


def one_queue_per_working_interval(
    model: cp_model.CpModel, problem: Problem, v: Variables
) -> None:
    """On shift and not on break, an agent works at most one open queue they are certified for.

    Off shift or on break the agent works no queue, so activities stay inside the shift. A
    working interval with no queue is back-office work, penalised by `off_queue`.
    """
    for agent in problem.agents:
        a = agent.key
        for t in v.agent_intervals(a):
            working = v.agent_activities(a, t).values()
            model.add(sum(working) <= v.on_shift(a, t) - v.on_break(a, t))


def daily_rest(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """At least the contract's daily rest between the end of one shift and the next start.

    Linear in the start and end of each day's chosen shift, enforced only when both days are
    worked; pairs of days that can never come that close are skipped.
    """
    step = problem.grid.interval_minutes
    for agent in problem.agents:
        a = agent.key
        rest = math.ceil(agent.contract.min_daily_rest_minutes / step)
        days = sorted(d for (key, d) in v.works if key == a)
        for i, d in enumerate(days):
            latest_end = max(c.end for c, _ in v.day_candidates(a, d))
            end_d = sum(c.end * x for c, x in v.day_candidates(a, d))
            for e in days[i + 1 :]:
                if min(c.start for c, _ in v.day_candidates(a, e)) >= latest_end + rest:
                    continue
                start_e = sum(c.start * x for c, x in v.day_candidates(a, e))
                both = [v.works[a, d], v.works[a, e]]
                model.add(start_e >= end_d + rest).only_enforce_if(both)


def weekly_paid_minutes(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """Paid minutes per ISO week stay within the contract's bounds for that (partial) week."""
    for agent in problem.agents:
        a = agent.key
        for days in problem.weeks().values():
            low, high = week_bounds(problem, agent.key, days)
            chosen = [cx for d in days if (a, d) in v.works for cx in v.day_candidates(a, d)]
            paid = cp_model.LinearExpr.weighted_sum(
                [x for _, x in chosen], [c.paid_minutes for c, _ in chosen]
            )
            model.add_linear_constraint(paid, low, high)


def rest_after_previous_roster(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """The first shifts keep the daily rest after the agent's last published shift.

    `Problem.fixed_before` holds the published shifts just before the period; a candidate
    starting too soon after the last of them is ruled out.
    """
    grid = problem.grid
    for agent in problem.agents:
        fixed = problem.fixed_before.get(agent.key, ())
        if not fixed:
            continue
        last_end = max(s.end for s in fixed)
        rest_minutes = agent.contract.min_daily_rest_minutes
        for (a, d, i), x in v.shift.items():
            if a != agent.key:
                continue
            start = grid.interval_start(v.candidates[a][d][i].start)
            if (start - last_end).total_seconds() < rest_minutes * 60:
                model.add(x == 0)


def max_consecutive_days(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """At most `max_consecutive_days` working days in a row, counting published days before."""
    days = problem.grid.day_list
    for agent in problem.agents:
        limit = agent.contract.max_consecutive_days
        worked_before = {s.day for s in problem.fixed_before.get(agent.key, ())}
        for last in range(len(days)):
            window = [days[last] - timedelta(days=k) for k in range(limit + 1)]
            fixed = sum(1 for day in window if day in worked_before)
            planned = [v.works[agent.key, d] for d in range(max(0, last - limit), last + 1)
                       if (agent.key, d) in v.works]
            if fixed + len(planned) > limit:
                model.add(sum(planned) <= limit - fixed)


def weekly_rest(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """Once per ISO week, at least `min_weekly_rest_minutes` of rest around a whole day off.

    Compact: one boolean per day says "the weekly rest is around this day", which needs the
    day off and the next day's start at least the rest after the previous day's end (a day
    not worked counts as ending at, or starting from, midnight). Only ISO weeks wholly inside
    the period are checked; the rest may reach past the period, where the unknown next
    roster counts as rested.
    """
    grid = problem.grid
    for agent in problem.agents:
        rest = math.ceil(agent.contract.min_weekly_rest_minutes / grid.interval_minutes)
        if rest <= 0:
            continue
        for week in problem.weeks().values():
            if len(week) < 7:
                continue
            options = []
            for d in week:
                around = model.new_bool_var(f"weekly_rest[{agent.key},{d}]")
                v.weekly_rest[agent.key, d] = around
                options.append(around)
                if (agent.key, d) in v.works:
                    model.add_implication(around, v.works[agent.key, d].Not())
                before, after = _end_before(problem, v, agent, d), _start_after(v, agent, d)
                if before is not None and after is not None:
                    model.add(after - before >= rest).only_enforce_if(around)
            model.add_bool_or(options)


def _day_start(problem: Problem, d: int) -> int:
    """Interval index of local midnight starting day d (d may be one past the period)."""
    grid = problem.grid
    return grid.n_intervals if d == grid.days else grid.day_range(d).start


def _end_before(problem: Problem, v: Variables, agent: Agent, d: int):
    """End of the agent's day before d (midnight starting d if not worked); None if unknown."""
    a = agent.key
    if d > 0:
        if (a, d - 1) not in v.works:
            return _day_start(problem, d)
        worked = v.works[a, d - 1]
        return sum(c.end * x for c, x in v.day_candidates(a, d - 1)) + _day_start(
            problem, d) * (1 - worked)
    if agent.key not in problem.fixed_before:
        return None  # nothing known before the period: rested
    grid = problem.grid
    ends = [s.end for s in problem.fixed_before[a] if s.day == grid.day_list[0] - timedelta(1)]
    if not ends:
        return 0
    return math.ceil((max(ends) - grid.start_utc) / grid.step)


def _start_after(v: Variables, agent: Agent, d: int):
    """Start of the agent's day after d (midnight ending it if not worked); None past the end."""
    a, problem = agent.key, v.problem
    if d + 1 >= problem.grid.days:
        return None
    if (a, d + 1) not in v.works:
        return _day_start(problem, d + 2)
    worked = v.works[a, d + 1]
    return sum(c.start * x for c, x in v.day_candidates(a, d + 1)) + _day_start(
        problem, d + 2) * (1 - worked)


def min_activity_block(model: cp_model.CpModel, problem: Problem, v: Variables) -> None:
    """After a switch between clients, both blocks last at least `min_activity_minutes`.

    So nobody ping-pongs between clients: a block is a run of intervals on one client's
    queues (moving between a client's own channels is no switch; the soft term
    `block_switches` discourages those). Compact: per client c and interval t, "another
    client at t-1 and c at t" forces c to go on for the block's length, and "c at t-1 and
    another client at t" forces c to have lasted as long. A block ended by a break,
    back-office time or the shift's end is not a switch.
    """
    clients = {q.key: q.client for q in problem.queues}
    for agent in problem.agents:
        a = agent.key
        length = math.ceil(agent.shift_rule.min_activity_minutes / problem.grid.interval_minutes)
        if length <= 1 or len({clients[q] for q in agent.skills}) < 2:
            continue

        on: dict[int, dict[str, list]] = {}  # t -> client -> the agent's activity variables
        for t in v.agent_intervals(a):
            for q, y in v.agent_activities(a, t).items():
                on.setdefault(t, {}).setdefault(clients[q], []).append(y)
        for t, now in on.items():
            before = on.get(t - 1, {})
            for c, ys in now.items():
                others = [z for p, zs in before.items() if p != c for z in zs]
                for k in range(1, length) if others else ():
                    model.add(sum(others) + sum(ys) - 1 <= sum(on.get(t + k, {}).get(c, [])))
            for c, ys in before.items():
                others = [z for p, zs in now.items() if p != c for z in zs]
                for k in range(1, length) if others else ():
                    model.add(sum(others) + sum(ys) - 1 <= sum(on.get(t - 1 - k, {}).get(c, [])))


def week_bounds(problem: Problem, agent_key: str, days: list[int]) -> tuple[int, int]:
    """Contract paid-minute bounds of an agent for the planned days of one ISO week."""
    agent = next(a for a in problem.agents if a.key == agent_key)
    return problem.week_bounds(agent, days)


HARD_RULES: tuple[HardRule, ...] = (
    one_shift_per_day,
    meal_break,
    coffee_breaks,
    one_queue_per_working_interval,
    daily_rest,
    weekly_paid_minutes,
    rest_after_previous_roster,
    max_consecutive_days,
    weekly_rest,
    min_activity_block,
)
