"""Re-planning from a published roster after a change, keeping as many shifts as possible."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scheduler.domain import Problem, Roster, Shift, SolveResult
from scheduler.explain import WEEKDAYS
from scheduler.penalties import CHANGE_WEIGHT
from scheduler.repair import keep_promises, without_unworkable_shifts
from scheduler.solve import StopRequested, solve


@dataclass(frozen=True)
class Change:
    """One agent-day whose shift differs between the published and the new roster."""

    agent: str
    day: object  # datetime.date
    before: Shift | None
    after: Shift | None
    text: str


@dataclass(frozen=True)
class Replan:
    """The new roster's solve result and what changed against the published roster."""

    result: SolveResult
    changes: tuple[Change, ...]


def replan(
    problem: Problem,
    published: Roster,
    *,
    time_limit_seconds: float = 30,
    change_weight: int = CHANGE_WEIGHT,
    progress: Callable[[float, float, float], None] | None = None,
    stop: StopRequested | None = None,
) -> Replan:
    """Re-solve the changed problem from the published roster and report what changed.

    The search starts from the published roster less the shifts that can no longer be worked
    (new days off, agents gone) and with promised agents moved in where agents on shift can
    take them (scheduler.repair), so short limits still return a roster that keeps promises.
    """
    start = keep_promises(problem, without_unworkable_shifts(problem, published))
    result = solve(problem, time_limit_seconds=time_limit_seconds, keep=published, hint=start,
                   change_weight=change_weight, progress=progress, stop=stop)
    return Replan(result, roster_changes(problem, published, result.roster))


def roster_changes(problem: Problem, before: Roster, after: Roster) -> tuple[Change, ...]:
    """Agent-days of the period whose shift was added, removed or moved, in words."""
    names = {a.key: a.name for a in problem.agents}
    zone = problem.grid.zone
    old = {(s.agent, s.day): s for s in before.shifts if s.day in problem.grid.day_list}
    new = {(s.agent, s.day): s for s in after.shifts}

    def span(s: Shift) -> str:
        return f"{s.start.astimezone(zone):%H:%M}–{s.end.astimezone(zone):%H:%M}"

    found = []
    for key in sorted(set(old) | set(new)):
        was, now = old.get(key), new.get(key)
        if was and now and (was.start, was.end) == (now.start, now.end):
            continue
        agent, day = key
        if was and now:
            what = f"{span(was)} → {span(now)}"
        elif was:
            what = f"{span(was)} removed"
        else:
            what = f"new shift {span(now)}"
        text = f"{names.get(agent, agent)}, {WEEKDAYS[day.weekday()]} {day:%d.%m.}: {what}"
        found.append(Change(agent, day, was, now, text))
    return tuple(found)
