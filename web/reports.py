"""Read-only views of stored rosters for the pages: week tables, coverage, an agent's shifts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import has_app_context
from sqlmodel import Session, col, select

from scheduler.grid import Grid
from web import models as m
from web.planning import grid_of, utc
from web.view_cache import view_cache

KEPT_AGENTS = 4  # shift views of up to this many agents are kept per roster (agent pages)
MAX_PERIOD_DAYS = 28  # a planning period is at most four weeks (web.jobs.submit_plan_job)


@dataclass(frozen=True)
class Block:
    """A stretch of a shift: work on a queue, or a break (local wall-clock times)."""

    start: datetime
    end: datetime
    kind: str  # "work", "back_office" or the break's kind
    paid: bool = True
    queue_key: str = ""
    client_name: str = ""
    channel: str = ""
    language: str = ""


@dataclass(frozen=True)
class ShiftView:
    """One shift as a person reads it, in the site's local time."""

    day: date
    start: datetime
    end: datetime
    paid_minutes: int
    blocks: tuple[Block, ...]

    @property
    def clients(self) -> tuple[str, ...]:
        """Client names worked in this shift, in order of first appearance."""
        return tuple(dict.fromkeys(b.client_name for b in self.blocks if b.kind == "work"))


@dataclass(frozen=True)
class AgentWeek:
    """One agent's row of the coordinator's week table."""

    agent_key: str
    agent_name: str
    contract: str
    shifts_by_day: dict[date, ShiftView]
    paid_minutes: int


@dataclass(frozen=True)
class QueueCoverage:
    """Required versus scheduled agents per interval for one queue."""

    queue: m.Queue
    client: m.Client
    starts: tuple[datetime, ...]  # local
    required: tuple[int, ...]
    scheduled: tuple[int, ...]
    forecast_contacts: tuple[float, ...]

    @property
    def shortfall_intervals(self) -> int:
        """Intervals with fewer agents than required."""
        return sum(1 for r, s in zip(self.required, self.scheduled, strict=True) if s < r)

    @property
    def shortfall_agent_intervals(self) -> int:
        """Missing agent-intervals summed over the period."""
        return sum(max(0, r - s) for r, s in zip(self.required, self.scheduled, strict=True))

    @property
    def required_total(self) -> int:
        """Required agent-intervals summed over the period."""
        return sum(self.required)

    @property
    def scheduled_total(self) -> int:
        """Scheduled agent-intervals summed over the period."""
        return sum(self.scheduled)


def shift_views(session: Session, roster: m.Roster, agent_ids: list[int] | None = None) -> dict[
    int, list[ShiftView]
]:
    """Shifts of a roster per agent id, with breaks and work blocks in local time."""
    zone = grid_of(roster).zone
    # plain columns, not ORM rows: the week table shows every block of every shift
    names = {
        queue_id: (key, client_name, channel, language)
        for queue_id, key, client_name, channel, language in session.exec(
            select(m.Queue.id, m.Queue.key, m.Client.name, m.Queue.channel, m.Queue.language)
            .join(m.Client, col(m.Client.id) == col(m.Queue.client_id))
        )
    }
    if agent_ids is not None and len(agent_ids) <= KEPT_AGENTS and has_app_context():
        # a roster's shifts never change once saved: one agent's views are kept, by the
        # roster's identity and the queue names they show
        key = ("shift_views", roster.id, getattr(roster, "created_at", None),
               tuple(sorted(agent_ids)), tuple(sorted(names.items())))
        kept = view_cache().get_or_make(key, lambda: {
            agent: tuple(views) for agent, views in
            _shift_views(session, roster, agent_ids, zone, names).items()})
        return defaultdict(list, {agent: list(views) for agent, views in kept.items()})
    return _shift_views(session, roster, agent_ids, zone, names)


def _shift_views(session: Session, roster: m.Roster, agent_ids: list[int] | None,
                 zone: ZoneInfo, names: dict[int, tuple[str, str, str, str]]
                 ) -> dict[int, list[ShiftView]]:
    """Read and assemble the shift views (shift_views without the cache)."""
    query = select(m.Shift.id, m.Shift.agent_id, m.Shift.day, m.Shift.start, m.Shift.end).where(
        m.Shift.roster_id == roster.id
    )
    if agent_ids is not None:
        query = query.where(col(m.Shift.agent_id).in_(agent_ids))
    shifts = session.exec(query.order_by(m.Shift.start)).all()
    ids = [s[0] for s in shifts]
    blocks: dict[int, list[Block]] = defaultdict(list)
    if ids:
        breaks = select(m.Break.shift_id, m.Break.start, m.Break.end, m.Break.kind, m.Break.paid)
        for shift_id, start, end, kind, paid in session.exec(
            breaks.where(col(m.Break.shift_id).in_(ids))
        ):
            blocks[shift_id].append(
                Block(utc(start).astimezone(zone), utc(end).astimezone(zone), kind, paid=paid)
            )
        activities = select(m.Activity.shift_id, m.Activity.queue_id, m.Activity.start,
                            m.Activity.end)
        for shift_id, queue_id, start, end in session.exec(
            activities.where(col(m.Activity.shift_id).in_(ids))
        ):
            key, client_name, channel, language = names[queue_id]
            blocks[shift_id].append(
                Block(
                    utc(start).astimezone(zone),
                    utc(end).astimezone(zone),
                    "work",
                    queue_key=key,
                    client_name=client_name,
                    channel=channel,
                    language=language,
                )
            )
    views: dict[int, list[ShiftView]] = defaultdict(list)
    for shift_id, agent_id, day, shift_start, shift_end in shifts:
        start, end = utc(shift_start).astimezone(zone), utc(shift_end).astimezone(zone)
        mine = _with_back_office(sorted(blocks[shift_id], key=lambda b: b.start), start, end)
        unpaid = sum(int((b.end - b.start).total_seconds() // 60) for b in mine if not b.paid)
        length = int((shift_end - shift_start).total_seconds() // 60)
        views[agent_id].append(ShiftView(day, start, end, length - unpaid, tuple(mine)))
    return views


def _with_back_office(blocks: list[Block], start: datetime, end: datetime) -> tuple[Block, ...]:
    """Fill the parts of a shift with no queue and no break as back-office work."""
    filled, cursor = [], start
    for block in blocks:
        if block.start > cursor:
            filled.append(Block(cursor, block.start, "back_office"))
        filled.append(block)
        cursor = max(cursor, block.end)
    if cursor < end:
        filled.append(Block(cursor, end, "back_office"))
    return tuple(filled)


def upcoming_shifts(session: Session, agent_id: int, today: date) -> list[ShiftView]:
    """An agent's shifts in published rosters from `today` on, in time order."""
    published = session.exec(  # the columns shift_views reads; no need for whole rows
        select(m.Roster.id, m.Roster.start_day, m.Roster.days, m.Roster.interval_minutes,
               m.Roster.created_at)
        .where(m.Roster.status == "published",
               m.Roster.start_day > today - timedelta(days=MAX_PERIOD_DAYS))
        .order_by(col(m.Roster.start_day))
    ).all()
    upcoming: list[ShiftView] = []
    for roster in published:
        if roster.start_day + timedelta(days=roster.days) <= today:
            continue
        mine = shift_views(session, roster, [agent_id]).get(agent_id, [])
        upcoming.extend(v for v in mine if v.day >= today)
    return upcoming


@dataclass(frozen=True)
class DayCoverage:
    """One day of a client's coverage, in agent-intervals."""

    day: date
    required: int
    scheduled: int
    met: int  # required agent-intervals that are covered

    @property
    def covered_share(self) -> float | None:
        """Share of the requirement covered, None on a day with no requirement."""
        return self.met / self.required if self.required else None


def daily_coverage(queues: list[QueueCoverage]) -> list[DayCoverage]:
    """Required, scheduled and covered agent-intervals per local day over some queues."""
    totals: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for qc in queues:
        for start, r, s in zip(qc.starts, qc.required, qc.scheduled, strict=True):
            row = totals[start.date()]
            row[0] += r
            row[1] += s
            row[2] += min(r, s)
    return [DayCoverage(day, *values) for day, values in sorted(totals.items())]


def roster_week(session: Session, roster: m.Roster) -> list[AgentWeek]:
    """Every active agent's shifts by day: the coordinator's agents × days table."""
    contracts = {c.id: c.name for c in session.exec(select(m.Contract))}
    views = shift_views(session, roster)
    rows = []
    for agent in session.exec(select(m.Agent).where(m.Agent.active).order_by(m.Agent.name)):
        mine = views.get(agent.id, [])
        rows.append(
            AgentWeek(
                agent_key=agent.key,
                agent_name=agent.name,
                contract=contracts[agent.contract_id],
                shifts_by_day={v.day: v for v in mine},
                paid_minutes=sum(v.paid_minutes for v in mine),
            )
        )
    return rows


def coverage(session: Session, roster: m.Roster, client_id: int | None = None) -> list[
    QueueCoverage
]:
    """Required vs scheduled agents per queue and interval (one client's queues if given)."""
    grid = grid_of(roster)
    clients = {c.id: c for c in session.exec(select(m.Client))}
    query = select(m.Queue).order_by(m.Queue.key)
    if client_id is not None:
        query = query.where(m.Queue.client_id == client_id)
    queues = session.exec(query).all()
    wanted = {q.id for q in queues}
    n = grid.n_intervals
    required = {q.id: [0] * n for q in queues}
    contacts = {q.id: [0.0] * n for q in queues}
    # plain columns, not ORM rows: a client's week is thousands of intervals per page view
    requirement_rows = select(
        m.RequirementInterval.queue_id, m.RequirementInterval.interval_start,
        m.RequirementInterval.required_agents, m.RequirementInterval.contacts,
    ).where(
        m.RequirementInterval.requirement_id == roster.requirement_id,
        col(m.RequirementInterval.queue_id).in_(wanted),
    )
    for queue_id, interval_start, required_agents, forecast_contacts in session.exec(
        requirement_rows
    ):
        t = _index(grid, interval_start)
        if t is not None and t < n:
            required[queue_id][t] = required_agents
            contacts[queue_id][t] = forecast_contacts
    scheduled = {q.id: [0] * n for q in queues}
    activity_rows = (
        select(m.Activity.queue_id, m.Activity.start, m.Activity.end)
        .join(m.Shift, col(m.Shift.id) == col(m.Activity.shift_id))
        .where(m.Shift.roster_id == roster.id, col(m.Activity.queue_id).in_(wanted))
    )
    for queue_id, start, end in session.exec(activity_rows):
        counts = scheduled[queue_id]
        for t in range(_clamped_index(grid, start), _clamped_index(grid, end)):
            counts[t] += 1
    starts = tuple(grid.local(t) for t in range(n))
    return [
        QueueCoverage(
            q,
            clients[q.client_id],
            starts,
            tuple(required[q.id]),
            tuple(scheduled[q.id]),
            tuple(contacts[q.id]),
        )
        for q in queues
    ]


def _local(grid: Grid, stored: datetime) -> datetime:
    """A stored instant in the site's local time."""
    return utc(stored).astimezone(grid.zone)


def _clamped_index(grid: Grid, stored: datetime) -> int:
    """Grid index of a stored instant, clamped to the period [0, n_intervals]."""
    instant = min(max(utc(stored), grid.start_utc), grid.end_utc)
    return grid.index_of(instant)


def _index(grid: Grid, stored: datetime) -> int | None:
    """Grid index of a stored instant, or None when it lies outside the period."""
    instant = utc(stored)
    if instant < grid.start_utc or instant > grid.end_utc:
        return None
    return grid.index_of(instant)


@dataclass(frozen=True)
class ForecastView:
    """Forecast (with its 80 % band) and actual contacts per interval for one queue."""

    queue: m.Queue
    forecast: m.Forecast
    starts: tuple[datetime, ...]  # local
    predicted: tuple[float | None, ...]
    low: tuple[float | None, ...]
    high: tuple[float | None, ...]
    actual: tuple[float | None, ...]


def forecast_vs_actual(
    session: Session, queue: m.Queue, forecast: m.Forecast, *, context_days: int = 14
) -> ForecastView:
    """A stored forecast against the contacts that arrived, with `context_days` of history."""
    grid = Grid(forecast.start_day - timedelta(days=context_days), forecast.days + context_days,
                forecast.interval_minutes)
    n = grid.n_intervals
    predicted: list[float | None] = [None] * n
    low: list[float | None] = [None] * n
    high: list[float | None] = [None] * n
    actual: list[float | None] = [None] * n
    rows = session.exec(select(m.ForecastInterval).where(
        m.ForecastInterval.forecast_id == forecast.id, m.ForecastInterval.queue_id == queue.id))
    for row in rows:
        t = _index(grid, row.interval_start)
        if t is not None and t < n:
            predicted[t], low[t], high[t] = row.contacts, row.contacts_low, row.contacts_high
    history = session.exec(select(m.ContactHistory).where(
        m.ContactHistory.queue_id == queue.id,
        m.ContactHistory.interval_start >= grid.start_utc,
        m.ContactHistory.interval_start < grid.end_utc,
    ))
    for row in history:
        t = _index(grid, row.interval_start)
        if t is not None and t < n:
            actual[t] = float(row.contacts)
    starts = tuple(grid.local(t) for t in range(n))
    return ForecastView(queue, forecast, starts, tuple(predicted), tuple(low), tuple(high),
                        tuple(actual))
