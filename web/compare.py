"""Per agent-day differences between two rosters, and what they do to each queue's coverage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from web import models as m
from web.reports import MAX_PERIOD_DAYS, QueueCoverage, ShiftView, coverage, shift_views


@dataclass(frozen=True)
class DayChange:
    """One agent-day whose shift differs between two rosters."""

    agent_id: int
    agent_key: str
    agent_name: str
    day: date
    before: ShiftView | None
    after: ShiftView | None

    @property
    def kind(self) -> str:
        """added, removed, moved (other times) or reassigned (same times, other blocks)."""
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        if (self.before.start, self.before.end) != (self.after.start, self.after.end):
            return "moved"
        return "reassigned"

    @property
    def text(self) -> str:
        """The change in words, e.g. `Mon 23.11.: 08:00–16:00 → 09:00–17:00`."""
        when = f"{self.day:%a %d.%m.}"
        if self.kind == "added":
            return f"{when}: new shift {_span(self.after)}"
        if self.kind == "removed":
            return f"{when}: {_span(self.before)} removed"
        if self.kind == "moved":
            return f"{when}: {_span(self.before)} → {_span(self.after)}"
        return f"{when}: {_span(self.after)}, other breaks or queues"


def _span(view: ShiftView) -> str:
    """A shift's local start–end."""
    return f"{view.start:%H:%M}–{view.end:%H:%M}"


def _blocks(view: ShiftView) -> tuple:
    """What a person reads of a shift: each block's times and what it is for."""
    return tuple((b.start, b.end, b.kind, b.queue_key) for b in view.blocks)


def roster_diff(
    session: Session, before: m.Roster | None, after: m.Roster, agent_ids: list[int] | None = None
) -> list[DayChange]:
    """Agent-days of `after`'s period whose shift was added, removed, moved or reassigned."""
    new = shift_views(session, after, agent_ids)
    old = shift_views(session, before, agent_ids) if before is not None else {}
    first, end = after.start_day, after.start_day + timedelta(days=after.days)
    agents = select(m.Agent.id, m.Agent.key, m.Agent.name)
    if agent_ids is not None:
        agents = agents.where(col(m.Agent.id).in_(agent_ids))
    names = {agent_id: (key, name) for agent_id, key, name in session.exec(agents)}
    changes = []
    for agent_id in sorted(set(new) | set(old), key=lambda i: names[i][1]):
        was = {v.day: v for v in old.get(agent_id, []) if first <= v.day < end}
        now = {v.day: v for v in new.get(agent_id, [])}
        for day in sorted(set(was) | set(now)):
            a, b = was.get(day), now.get(day)
            if a is not None and b is not None and _blocks(a) == _blocks(b):
                continue
            changes.append(DayChange(agent_id, *names[agent_id], day, a, b))
    return changes


def published_counterpart(session: Session, roster: m.Roster) -> m.Roster | None:
    """The roster to compare a draft with: its base, else the published one overlapping it."""
    if roster.base_roster_id is not None:
        return session.get(m.Roster, roster.base_roster_id)
    end = roster.start_day + timedelta(days=roster.days)
    query = select(m.Roster).where(m.Roster.status == "published", m.Roster.id != roster.id)
    for other in session.exec(query.order_by(col(m.Roster.version).desc())):
        if other.start_day < end and roster.start_day < other.start_day + timedelta(
            days=other.days
        ):
            return other
    return None


def previous_published(session: Session, roster: m.Roster) -> m.Roster | None:
    """The published version this one replaced: the newest earlier version over its period."""
    query = select(m.Roster).where(m.Roster.version > 0, m.Roster.version < roster.version)
    return _previous(session.exec(query).all(), roster)


def _previous(versions: list[m.Roster], roster: m.Roster) -> m.Roster | None:
    """Among published versions, the newest earlier one overlapping the roster's period."""
    end = roster.start_day + timedelta(days=roster.days)
    for other in sorted(versions, key=lambda r: r.version, reverse=True):
        if 0 < other.version < roster.version and other.start_day < end \
                and roster.start_day < other.start_day + timedelta(days=other.days):
            return other
    return None


@dataclass(frozen=True)
class QueueDelta:
    """One queue's requirement, coverage and shortfall (agent-intervals) in two rosters."""

    queue: m.Queue
    client: m.Client
    required: tuple[int, int]
    scheduled: tuple[int, int]
    shortfall: tuple[int, int]


def coverage_delta(session: Session, before: m.Roster, after: m.Roster) -> list[QueueDelta]:
    """Queues whose requirement or coverage differs between two rosters of one period."""
    old: dict[int, QueueCoverage] = {qc.queue.id: qc for qc in coverage(session, before)}
    found = []
    for qc in coverage(session, after):
        was = old.get(qc.queue.id)
        pair = (
            (was.required_total if was else 0, qc.required_total),
            (was.scheduled_total if was else 0, qc.scheduled_total),
            (was.shortfall_agent_intervals if was else 0, qc.shortfall_agent_intervals),
        )
        if any(a != b for a, b in pair) or (was and was.scheduled != qc.scheduled):
            found.append(QueueDelta(qc.queue, qc.client, *pair))
    return found


@dataclass(frozen=True)
class AgentChanges:
    """What changed in an agent's upcoming shifts since the versions the latest replaced."""

    by_day: dict[date, DayChange]  # days whose shift is new, moved or reassigned (or removed)
    versions: dict[date, tuple[int, int]]  # day -> (previous version, current version)

    @property
    def removed(self) -> list[DayChange]:
        """Shifts taken away, in day order."""
        return [c for _, c in sorted(self.by_day.items()) if c.kind == "removed"]


def agent_changes(session: Session, agent_id: int, today: date) -> AgentChanges:
    """An agent's upcoming shifts that differ from the previous published version."""
    by_day, versions = {}, {}
    # a roster that has not ended started less than a period ago, and a version it replaced
    # overlaps it: one query of the versions since two periods ago holds both
    recent = session.exec(select(m.Roster).where(
        m.Roster.version > 0,
        m.Roster.start_day > today - timedelta(days=2 * MAX_PERIOD_DAYS))).all()
    for roster in recent:
        if roster.status != "published" or roster.start_day + timedelta(days=roster.days) <= today:
            continue
        before = _previous(recent, roster)
        if before is None:
            continue
        for change in roster_diff(session, before, roster, [agent_id]):
            if change.day >= today:
                by_day[change.day] = change
                versions[change.day] = (before.version, roster.version)
    return AgentChanges(by_day, versions)
