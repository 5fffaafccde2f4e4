"""The planner's start roster: the LP plan's shifts as named agents' weeks (each week's
contract minimum repaired) with their first breaks and queues, or a given roster loaded."""

from __future__ import annotations

import numpy as np

from scheduler.aggregate import Plan
from scheduler.candidates import Candidate
from scheduler.domain import Roster
from scheduler.plan_state import IDLE, NOT_WORKING, Assigned, PlanAgent, State


def planned_coverage(state: State, plan: Plan) -> np.ndarray:
    """The LP plan's agents per queue and interval (fractional), in the state's layout."""
    index = {k: i for i, k in enumerate(state.queue_keys)}
    target = np.zeros(state.required.shape)
    for (_, q, t), value in plan.activity.items():
        target[index[q], t] += value
    return target


def load(state: State, roster: Roster) -> None:
    """Take a roster's shifts, breaks and activities into the state (shifts that are no
    candidate of their agent are left out)."""
    grid = state.problem.grid
    by_key = {a.agent.key: a for a in state.agents}
    for shift in roster.shifts:
        a = by_key.get(shift.agent)
        if a is None or shift.day not in grid.day_list:
            continue
        d = grid.day_list.index(shift.day)
        start, end = grid.index_of(shift.start), grid.index_of(shift.end)
        c = next((x for x in a.by_day.get(d, ()) if (x.start, x.end) == (start, end)), None)
        if c is None:
            continue
        queues = [IDLE] * (end - start)
        meals = [b for b in shift.breaks if b.kind != "coffee"]
        s = grid.index_of(meals[0].start) if meals else None
        for b in shift.breaks:
            for t in range(grid.index_of(b.start), grid.index_of(b.end)):
                queues[t - start] = NOT_WORKING
        local = {state.queue_keys[q]: i for i, q in enumerate(a.skills)}
        for act in shift.activities:
            for t in range(grid.index_of(act.start), grid.index_of(act.end)):
                queues[t - start] = local[act.queue]
        a.shifts[d] = Assigned(c, s, queues)
        state.apply(a, a.shifts[d], +1)


def named_shifts(state: State, plan: Plan | None) -> None:
    """Each agent's shifts: the plan's shifts of their group that remain, most first."""
    n = state.problem.grid.n_intervals
    profiles: dict[int, np.ndarray] = {}
    counts: dict[int, dict[tuple[int, int], float]] = {}
    if plan is not None:
        for (g, t), value in plan.working.items():
            profiles.setdefault(g, np.zeros(n))[t] = value
        for (g, d, i), value in plan.shifts.items():
            if value > 1e-6:
                counts.setdefault(g, {})[d, i] = value
    for a in sorted(state.agents, key=lambda a: (-len(a.agent.time_off), a.agent.key)):
        if a.group not in profiles:  # no plan: the requirement of the group's queues, roughly
            profiles[a.group] = state.required[a.skills].sum(axis=0).astype(float)
        remaining, wanted = profiles[a.group], counts.setdefault(a.group, {})
        chosen = _choose_week(state, a, remaining, wanted)
        for d, c in chosen.items():
            a.shifts[d] = Assigned(c, None, [])
            remaining[c.start:c.end] -= 1
            i = a.by_day[d].index(c)
            wanted[d, i] = wanted.get((d, i), 0.0) - 1


def _choose_week(state: State, a: PlanAgent, remaining: np.ndarray,
                 wanted: dict[tuple[int, int], float]) -> dict[int, Candidate]:
    """Shifts for one agent, best-valued first, while they add value or the minimum needs.

    A shift's value is how much of it the plan still wants (at most one agent), then how
    much of the group's planned working profile it fills.
    """
    value_t = np.where(remaining >= 1, 1.0, np.where(remaining > 0, remaining, -0.5))
    prefix = np.concatenate(([0.0], np.cumsum(value_t)))
    options = []
    for d, cs in a.by_day.items():
        for i, c in enumerate(cs):
            fill = (prefix[c.end] - prefix[c.start]) / max(1, c.end - c.start)
            value = min(1.0, wanted.get((d, i), 0.0)) + 0.1 * fill
            options.append((value, c.paid_minutes, d, c))
    options.sort(key=lambda o: (-o[0], -o[1]))
    chosen: dict[int, Candidate] = {}
    while True:
        needs_more = not _minimum_met(a, chosen)
        picked = None
        for value, _, d, c in options:
            if d in chosen or (value <= 0 and not needs_more):
                continue
            trial = {**chosen, d: c}
            if state.week_partial_ok(a, trial):
                picked = (d, c)
                break
        if picked is None:
            break
        chosen[picked[0]] = picked[1]
    if not state.week_ok(a, chosen):
        chosen = _repair_minimum(state, a, chosen)
    return chosen


def _minimum_met(a: PlanAgent, chosen: dict[int, Candidate]) -> bool:
    """Whether every week's contract minimum is reached."""
    return all(sum(chosen[d].paid_minutes for d in week if d in chosen) >= low
               for week, low, _ in a.weeks)


def _repair_minimum(state: State, a: PlanAgent, chosen: dict[int, Candidate]
                    ) -> dict[int, Candidate]:
    """Lengthen or add shifts until the weekly minimum holds (longest shifts first)."""
    for _ in range(3 * len(a.by_day)):
        if state.week_ok(a, chosen):
            return chosen
        best = None
        for d, cs in a.by_day.items():
            for c in sorted(cs, key=lambda c: -c.paid_minutes):
                if d in chosen and chosen[d].paid_minutes >= c.paid_minutes:
                    continue
                trial = {**chosen, d: c}
                if state.week_partial_ok(a, trial):
                    gain = c.paid_minutes - (chosen[d].paid_minutes if d in chosen else 0)
                    if best is None or gain > best[0]:
                        best = (gain, d, c)
                    break
        if best is None:
            break
        chosen = {**chosen, best[1]: best[2]}
    return chosen


def first_activities(state: State, passes: int) -> None:
    """Breaks and queues for every shift, re-optimised agent by agent against the others."""
    order = sorted(state.agents, key=lambda a: (len(a.skills), a.agent.key))
    for _ in range(passes):
        for a in order:
            for d, assigned in a.shifts.items():
                if assigned.queues:
                    state.apply(a, assigned, -1)
                gain = state.marginal(a.skills)
                _, s, queues = state.best_activities(a, assigned.candidate, gain)
                a.shifts[d] = Assigned(assigned.candidate, s, queues)
                state.apply(a, a.shifts[d], +1)
