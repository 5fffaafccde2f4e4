"""A roster's week as the coverage pages show it (a client's, the coordinator's), made once
per roster and kept.

Everything here derives from the roster's shifts, its requirement and the client's queue
settings (`web.view_cache` explains why that is safe to keep); the page adds, per request,
what can change under it: the weeks to choose from and the client's approved requests.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
from markupsafe import Markup
from sqlmodel import Session, select

from web import models as m
from web.charts import coverage_svg, forecast_coverage_svg
from web.email_backlog import EmailBacklog, backlog_charts, email_backlogs
from web.outlook import Outlook, client_outlook
from web.replanning import stored_requirement_frame
from web.reports import DayCoverage, QueueCoverage, coverage, daily_coverage
from web.view_cache import detached, fingerprint, roster_identity, view_cache


@dataclass(frozen=True)
class ClientWeek:
    """The derived part of a client's coverage page for one roster."""

    outlook: Outlook
    charts: dict[str, Markup]
    backlogs: dict[str, EmailBacklog]
    backlog_charts: dict[str, Markup]
    daily: dict[date, DayCoverage]


def client_week(session: Session, client: m.Client, roster: m.Roster) -> ClientWeek:
    """The client's week in the roster, from the cache when nothing it reads has changed.

    The coverage of the client's queues is kept per roster; what is derived from it (service
    levels, backlogs, charts) is kept by the coverage itself, so a new version that leaves
    the client's queues as they were (another client's change) costs no new computation."""
    queues = session.exec(select(m.Queue).where(m.Queue.client_id == client.id)).all()
    settings = fingerprint([client, *queues])
    covered = view_cache().get_or_make(
        ("client_coverage", roster_identity(roster), settings),
        lambda: _detached_coverage(coverage(session, roster, client_id=client.id)))
    row = session.get(m.Requirement, roster.requirement_id)
    key = ("client_week", roster.requirement_id, row.created_at if row else None,
           roster.start_day, roster.days, roster.interval_minutes, settings,
           tuple(qc.scheduled for qc in covered))
    week = view_cache().get_or_make(key, lambda: _made(session, client, roster, covered))
    # kept by content, so possibly made from another version alike: name this one
    return replace(week, outlook=replace(week.outlook, roster=roster, client=client))


def requirement_frame(session: Session, roster: m.Roster) -> pd.DataFrame:
    """The roster's stored requirement as a frame (every queue), kept per requirement: its
    rows are only ever inserted, and every draft of a week shares one."""
    row = session.get(m.Requirement, roster.requirement_id)
    key = ("requirement", roster.requirement_id, row.created_at if row else None)
    return view_cache().get_or_make(
        key, lambda: stored_requirement_frame(session, roster.requirement_id))


def _made(session: Session, client: m.Client, roster: m.Roster,
          covered: list[QueueCoverage]) -> ClientWeek:
    """Compute the week from the client's coverage, holding copies of the rows it keeps."""
    keys = {qc.queue.key for qc in covered}
    frame = requirement_frame(session, roster)
    mine = frame[frame["queue"].isin(keys)].reset_index(drop=True)
    outlook = client_outlook(session, client, roster, requirement=mine, queues=covered)
    backlogs = email_backlogs(session, roster, outlook.queues, requirement=mine)
    week = ClientWeek(
        outlook=outlook,
        charts={qc.queue.key: forecast_coverage_svg(qc.starts, qc.forecast_contacts,
                                                    qc.scheduled, qc.required,
                                                    title=qc.queue.name)
                for qc in outlook.queues},
        backlogs=backlogs,
        backlog_charts=backlog_charts(outlook.queues, backlogs),
        daily={d.day: d for d in daily_coverage(outlook.queues)},
    )
    return _detached(week)


def _detached_coverage(queues: list[QueueCoverage]) -> list[QueueCoverage]:
    """The same coverage holding copies of its queue and client rows."""
    clients = {qc.client.id: detached(qc.client) for qc in queues}
    return [replace(qc, queue=detached(qc.queue), client=clients[qc.client.id])
            for qc in queues]


def _detached(week: ClientWeek) -> ClientWeek:
    """The same week holding copies of its client, roster and queue rows."""
    outlook = week.outlook
    client = detached(outlook.client)
    queues = {qc.queue.id: detached(qc.queue) for qc in outlook.queues}

    def coverage(qc: QueueCoverage) -> QueueCoverage:
        return replace(qc, queue=queues[qc.queue.id], client=client)

    return replace(
        week,
        outlook=replace(
            outlook, client=client, roster=detached(outlook.roster),
            queues=[coverage(qc) for qc in outlook.queues],
            queue_days=[replace(qd, queue=queues[qd.queue.id]) for qd in outlook.queue_days],
        ),
        backlogs={key: replace(b, queue=queues[b.queue.id]) for key, b in week.backlogs.items()},
    )


@dataclass(frozen=True)
class CoverageWeek:
    """The derived part of the coordinator's coverage page (every queue) for one roster."""

    queues: list[QueueCoverage]
    charts: dict[str, Markup]
    backlogs: dict[str, EmailBacklog]
    backlog_charts: dict[str, Markup]


def coverage_week(session: Session, roster: m.Roster) -> CoverageWeek:
    """Every queue's coverage in the roster, from the cache when nothing it reads changed."""
    rows = [*session.exec(select(m.Client)), *session.exec(select(m.Queue))]
    key = ("coverage_week", roster_identity(roster), fingerprint(rows))
    return view_cache().get_or_make(key, lambda: _made_coverage(session, roster))


def _made_coverage(session: Session, roster: m.Roster) -> CoverageWeek:
    """Compute every queue's coverage, charts and email backlogs, holding row copies."""
    queues = coverage(session, roster)
    backlogs = email_backlogs(session, roster, queues, requirement=requirement_frame(session,
                                                                                    roster))
    charts = {qc.queue.key: coverage_svg(qc.starts, qc.required, qc.scheduled,
                                         title=f"{qc.client.name} {qc.queue.name}")
              for qc in queues}
    clients = {qc.client.id: detached(qc.client) for qc in queues}
    copies = {qc.queue.id: detached(qc.queue) for qc in queues}
    return CoverageWeek(
        queues=[replace(qc, queue=copies[qc.queue.id], client=clients[qc.client.id])
                for qc in queues],
        charts=charts,
        backlogs={k: replace(b, queue=copies[b.queue.id]) for k, b in backlogs.items()},
        backlog_charts=backlog_charts(queues, backlogs),
    )
