"""Editing one agent-day of a roster by hand: checked against every hard rule, saved as a draft.

A coordinator sets the shift's start and end, its meal break and its blocks ("08:00-12:00
webshop-chat-fi", one per line; uncovered working time is back-office), or takes the shift
away. The edited roster is checked with scheduler.validate, and every hard rule it breaks is
shown before saving. Saving never touches the roster it started from: it makes a new draft
version with all other shifts copied, which can only be published once it breaks no rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from scheduler import domain
from scheduler.coffee import place_coffee
from scheduler.coverage import overstaffing, shortfall
from scheduler.validate import Violation, validate
from web import models as m
from web.planning import grid_of, load_roster, save_draft, stored_problem

BLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s+(\S+)\s*$")


class EditError(ValueError):
    """A hand edit that cannot even be read, in words for the coordinator."""


@dataclass(frozen=True)
class ShiftEdit:
    """What the coordinator asks for one agent-day (local wall-clock times)."""

    off: bool
    start: time | None = None
    end: time | None = None
    break_start: time | None = None
    break_end: time | None = None
    blocks: str = ""


@dataclass(frozen=True)
class EditCheck:
    """The edited roster and the hard rules it breaks (new ones, and ones it already broke)."""

    roster: domain.Roster
    shift: domain.Shift | None
    violations: list[Violation]
    already: list[Violation]


def build_shift(
    roster: m.Roster, agent_key: str, day: date, edit: ShiftEdit, queue_keys: set[str]
) -> domain.Shift | None:
    """The shift the edit describes (None: the day off), or EditError when unreadable."""
    if edit.off:
        return None
    if edit.start is None or edit.end is None:
        raise EditError("give the shift's start and end, or take the shift away")
    zone = grid_of(roster).zone
    start = datetime.combine(day, edit.start, tzinfo=zone)
    end = _later(day, edit.end, zone, start)
    breaks = ()
    if edit.break_start is not None or edit.break_end is not None:
        if edit.break_start is None or edit.break_end is None:
            raise EditError("give both the meal break's start and end, or neither")
        b0 = _later(day, edit.break_start, zone, start, inclusive=True)
        b1 = _later(day, edit.break_end, zone, b0)
        breaks = (domain.Break(b0, b1, kind="meal", paid=False),)
    activities = []
    for number, line in enumerate(edit.blocks.splitlines(), 1):
        if not line.strip():
            continue
        match = BLOCK.match(line)
        if match is None:
            raise EditError(f"block line {number}: write it as 08:00-12:00 queue-key")
        h0, m0, h1, m1, queue = match.groups()
        if queue not in queue_keys:
            raise EditError(f"block line {number}: no queue {queue!r}")
        try:
            a0 = _later(day, time(int(h0), int(m0)), zone, start, inclusive=True)
            a1 = _later(day, time(int(h1), int(m1)), zone, a0)
        except ValueError as error:
            raise EditError(f"block line {number}: {error}") from error
        activities.append(domain.Activity(queue, a0, a1))
    return domain.Shift(
        agent=agent_key, day=day, start=_utc(start), end=_utc(end),
        breaks=tuple(replace(b, start=_utc(b.start), end=_utc(b.end)) for b in breaks),
        activities=tuple(sorted((replace(a, start=_utc(a.start), end=_utc(a.end))
                                 for a in activities), key=lambda a: a.start)),
    )


def _later(day: date, clock: time, zone, start: datetime, *, inclusive: bool = False) -> datetime:  # noqa: ANN001
    """The first local `clock` time on or after the day that is after `start` (or equal)."""
    local = datetime.combine(day, clock, tzinfo=zone)
    if local < start or (local == start and not inclusive):
        local = datetime.combine(day + timedelta(days=1), clock, tzinfo=zone)
    return local


def _utc(instant: datetime) -> datetime:
    """An aware instant in UTC."""
    return instant.astimezone(UTC)


def check_edit(
    session: Session, roster: m.Roster, agent_key: str, day: date, shift: domain.Shift | None
) -> EditCheck:
    """The roster with the agent-day replaced, and every hard rule it breaks."""
    problem = stored_problem(session, roster)
    current = load_roster(session, roster.id)
    kept = tuple(s for s in current.shifts if not (s.agent == agent_key and s.day == day))
    edited = domain.Roster(kept + ((shift,) if shift is not None else ()))
    if shift is not None:  # paid coffee breaks where the grid rosters them (15 min or finer)
        edited = place_coffee(problem, edited)
        shift = next(s for s in edited.shifts if s.agent == agent_key and s.day == day)
    before = {(v.rule, v.agent, v.day, v.message) for v in validate(problem, current)}
    found = validate(problem, edited)
    return EditCheck(
        roster=edited, shift=shift,
        violations=[v for v in found if (v.rule, v.agent, v.day, v.message) not in before],
        already=[v for v in found if (v.rule, v.agent, v.day, v.message) in before],
    )


def save_edit(
    session: Session, roster: m.Roster, check: EditCheck, *, agent_name: str, day: date,
    username: str,
) -> m.Roster:
    """Store the edited roster as a new draft; the roster it came from stays as it was."""
    problem = stored_problem(session, roster)
    short, surplus = shortfall(problem, check.roster), overstaffing(problem, check.roster)
    penalties = {
        "understaffing": sum(q.shortfall_weight * sum(short[q.key]) for q in problem.queues),
        "overstaffing": sum(q.overstaffing_weight * sum(surplus[q.key]) for q in problem.queues),
    }
    result = domain.SolveResult(
        roster=check.roster, status="HAND_EDIT", objective=float(sum(penalties.values())),
        best_bound=0.0, wall_seconds=0.0, penalties=penalties,
    )
    base = roster.id if roster.status == "published" else roster.base_roster_id
    warning = f", breaks {len(check.violations)} rules" if check.violations else ""
    draft = save_draft(
        session, result, requirement_id=roster.requirement_id, grid=grid_of(roster),
        base_roster_id=base,
        note=f"hand edit of {agent_name} {day:%a %d.%m.} by {username} from #{roster.id}"
             f"{warning}",
    )
    session.commit()
    return draft
