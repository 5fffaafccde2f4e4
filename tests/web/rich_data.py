"""A database holding a bit of everything, and copies of it into older schema revisions.

The planned world (clients, queues, agents, users, history, a forecast, a requirement and a
published roster with shifts, breaks and activities) gets what daily use adds: capacity
requests (open, approved, declined), time off, forecast overrides, calendar and API tokens,
finished and failed planning jobs, a superseded roster version, and soft-term settings.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import MetaData
from sqlalchemy import select as select_columns
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from scheduler.domain import SolveResult
from web import models as m
from web.api_tokens import issue_token
from web.archive import reset_sequences
from web.calendar import issue_token as issue_calendar_token
from web.calendar import revoke_token
from web.planning import grid_of, load_roster, publish, save_draft

from .conftest import TODAY, user_of


def enrich(session: Session, published_roster_id: int) -> None:
    """Add a day's worth of the rows coordinators, agents and clients create (and commit)."""
    roster = session.get(m.Roster, published_roster_id)
    same = SolveResult(load_roster(session, roster.id), "FEASIBLE", 123.5, 100.25, 4.75,
                       penalties={"shortfall": 7})
    draft = save_draft(session, same, requirement_id=roster.requirement_id, grid=grid_of(roster))
    session.flush()
    publish(session, draft.id)  # version 2; the first published roster is now superseded
    client_user = user_of(session, "client")
    queue = session.exec(select(m.Queue).where(m.Queue.client_id == client_user.client_id)).first()
    monday = datetime(TODAY.year, TODAY.month, TODAY.day, 7, tzinfo=UTC) + timedelta(days=5)
    for status, answer, hours in (("open", "", 6), ("approved", "Two more agents", 3),
                                  ("declined", "Nobody certified is free", 2)):
        session.add(m.CapacityRequest(
            client_id=client_user.client_id, queue_id=queue.id, start=monday,
            end=monday + timedelta(hours=hours), extra_agents=2, extra_contacts_percent=40,
            reason=f"Campaign ({status}) — ääkköset & <tags>", status=status, answer=answer,
            created_by=client_user.id, idempotency_key=f"key-{status}"))
    agents = session.exec(select(m.Agent).order_by(m.Agent.id)).all()
    for agent, status in zip(agents[:3], ("approved", "requested", "declined"), strict=True):
        session.add(m.TimeOff(agent_id=agent.id, day=TODAY + timedelta(days=30), status=status,
                              reason="Family matters"))
    session.add(m.ForecastOverride(target=queue.key, start_day=TODAY, end_day=TODAY
                                   + timedelta(days=6), percent=25.5, reason="TV campaign",
                                   created_by="coordinator"))
    session.add(m.ForecastOverride(target=queue.key, start_day=TODAY, end_day=TODAY,
                                   percent=-10, reason="Mistake", created_by="coordinator",
                                   withdrawn_by="coordinator", withdrawn_at=m.utcnow()))
    issue_calendar_token(session, agents[0].id)
    revoke_token(session, agents[0].id)
    session.flush()
    issue_calendar_token(session, agents[0].id)
    issue_calendar_token(session, agents[1].id)
    issue_token(session, user_id=client_user.id, name="BI export")
    session.add(m.Job(status="succeeded", progress=1.0, message="draft roster", start_day=TODAY,
                      roster_id=draft.id, created_by="coordinator", finished_at=m.utcnow()))
    session.add(m.Job(status="failed", message="crashed: RuntimeError: boom", start_day=TODAY,
                      created_by="coordinator", cancel_requested=True, finished_at=m.utcnow()))
    rule = session.exec(select(m.ShiftRule).order_by(m.ShiftRule.id)).first()
    rule.switch_weight, rule.coffee_break_window_start = 3, 45  # wider: the roster still holds
    session.add(rule)
    session.add(m.PlanningSettings(id=1, fair_weekend_weight=25, fair_evening_weight=0,
                                   fair_night_weight=4))
    session.commit()


def copy_into(source: Engine, target: Engine) -> dict[str, int]:
    """Copy every row of the target's tables from the source, columns both have; row counts.

    The target may be at an older schema revision: its own tables and columns decide what is
    copied (reflected from it), so this is how data "written at an old revision" is made.
    """
    schema = MetaData()
    schema.reflect(bind=target)
    copied = {}
    with source.connect() as reading, target.begin() as writing:
        for table in schema.sorted_tables:
            if table.name == "alembic_version":
                continue
            have = MetaData()
            have.reflect(bind=reading, only=[table.name])
            origin = have.tables[table.name]
            columns = [c.name for c in table.columns if c.name in origin.columns]
            rows: list[dict[str, Any]] = [
                dict(r._mapping)
                for r in reading.execute(select_columns(*(origin.c[c] for c in columns)))
            ]
            if rows:
                writing.execute(table.insert(), rows)
            copied[table.name] = len(rows)
        reset_sequences(writing, [t for t in schema.sorted_tables if t.name in copied])
    return copied
