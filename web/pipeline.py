"""The planning pipeline on stored data: history → forecast → requirement → roster (draft)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd
from sqlalchemy import insert
from sqlmodel import Session, func, select

from forecasts.core import forecast as forecast_frame
from scheduler.domain import SolveResult
from scheduler.grid import Grid
from scheduler.solve import solve
from scheduler.staffing import requirement_frame
from scheduler.validate import Violation, validate
from web import models as m
from web.planning import (
    build_problem,
    opening_hours,
    save_draft,
    service_target,
    utc,
)

Progress = Callable[[float, float, float], None]


class PlanningError(RuntimeError):
    """A planning step that cannot go on, in words a coordinator understands."""


class InvalidRosterError(PlanningError):
    """The solver returned a roster that breaks hard rules; it is never saved."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        listed = "; ".join(v.message for v in violations[:5])
        super().__init__(f"{len(violations)} hard-rule violations, e.g. {listed}")


def load_history(session: Session, *, since: datetime | None = None) -> pd.DataFrame:
    """Stored contact history as the canonical history frame the forecaster reads."""
    query = (
        select(
            m.ContactHistory.interval_start,
            m.Client.key,
            m.Queue.channel,
            m.Queue.language,
            m.Queue.key,
            m.ContactHistory.contacts,
            m.ContactHistory.aht_seconds,
        )
        .join(m.Queue, m.Queue.id == m.ContactHistory.queue_id)
        .join(m.Client, m.Client.id == m.Queue.client_id)
    )
    if since is not None:
        query = query.where(m.ContactHistory.interval_start >= utc(since))
    columns = ["interval_start", "client", "channel", "language", "queue", "contacts",
               "aht_seconds"]
    frame = pd.DataFrame(session.exec(query).all(), columns=columns)
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True)
    frame["contacts"] = frame["contacts"].astype(int)
    frame["aht_seconds"] = frame["aht_seconds"].astype(float)
    return frame.sort_values(["queue", "interval_start"], ignore_index=True)


def _next_version(session: Session, table: type[m.Forecast] | type[m.Requirement]) -> int:
    """One more than the highest stored version."""
    return (session.exec(select(func.max(table.version))).one() or 0) + 1


def make_forecast(
    session: Session, history: pd.DataFrame, *, grid: Grid, created_by: str = "system"
) -> m.Forecast:
    """Forecast every queue over the grid's period and store it as a new version."""
    if history.empty:
        raise PlanningError("there is no contact history to forecast from: import some first")
    frame = forecast_frame(
        history, start=grid.start_day, days=grid.days, interval_minutes=grid.interval_minutes
    )
    if frame.empty:
        raise PlanningError("the forecast came out empty: no queue has usable history")
    row = m.Forecast(
        version=_next_version(session, m.Forecast),
        start_day=grid.start_day,
        days=grid.days,
        interval_minutes=grid.interval_minutes,
        method=",".join(sorted(set(frame["model"]))),
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    queue_ids = {q.key: q.id for q in session.exec(select(m.Queue))}
    session.execute(
        insert(m.ForecastInterval),
        [
            {
                "forecast_id": row.id,
                "queue_id": queue_ids[r.queue],
                "interval_start": utc(r.interval_start.to_pydatetime()),
                "contacts": float(r.contacts),
                "contacts_low": float(r.contacts_low),
                "contacts_high": float(r.contacts_high),
                "aht_seconds": float(r.aht_seconds),
                "model": r.model,
            }
            for r in frame.itertuples(index=False)
        ],
    )
    return row


def stored_forecast(session: Session, forecast_id: int) -> pd.DataFrame:
    """A stored forecast as the forecast frame staffing reads."""
    query = (
        select(
            m.ForecastInterval.interval_start,
            m.Queue.key,
            m.ForecastInterval.contacts,
            m.ForecastInterval.contacts_low,
            m.ForecastInterval.contacts_high,
            m.ForecastInterval.aht_seconds,
            m.ForecastInterval.model,
        )
        .join(m.Queue, m.Queue.id == m.ForecastInterval.queue_id)
        .where(m.ForecastInterval.forecast_id == forecast_id)
    )
    columns = ["interval_start", "queue", "contacts", "contacts_low", "contacts_high",
               "aht_seconds", "model"]
    frame = pd.DataFrame(session.exec(query).all(), columns=columns)
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True)
    return frame


def make_requirement(session: Session, forecast: m.Forecast) -> m.Requirement:
    """Turn a stored forecast into required agents per queue and interval; store it."""
    queues = session.exec(select(m.Queue)).all()
    frame = requirement_frame(
        stored_forecast(session, forecast.id),
        {q.key: service_target(q) for q in queues},
        {q.key: q.channel for q in queues},
        forecast.interval_minutes,
        opening_hours={q.key: opening_hours(q) for q in queues},
    )
    if frame.empty:
        raise PlanningError(f"forecast v{forecast.version} holds no intervals to staff")
    row = m.Requirement(version=_next_version(session, m.Requirement), forecast_id=forecast.id)
    session.add(row)
    session.flush()
    queue_ids = {q.key: q.id for q in queues}
    session.execute(
        insert(m.RequirementInterval),
        [
            {
                "requirement_id": row.id,
                "queue_id": queue_ids[r.queue],
                "interval_start": utc(r.interval_start.to_pydatetime()),
                "contacts": float(r.contacts),
                "aht_seconds": float(r.aht_seconds),
                "model": r.model,
                "raw_agents": int(r.raw_agents),
                "required_agents": int(r.required_agents),
            }
            for r in frame.itertuples(index=False)
        ],
    )
    return row


def make_roster(
    session: Session,
    requirement: m.Requirement,
    *,
    grid: Grid,
    time_limit_seconds: float,
    progress: Progress | None = None,
) -> tuple[m.Roster, SolveResult]:
    """Solve all clients' queues at once, check the roster, and store it as a draft."""
    problem = build_problem(session, requirement_id=requirement.id, grid=grid)
    result = solve(problem, time_limit_seconds=time_limit_seconds, progress=progress)
    if not result.roster.shifts and result.status not in ("OPTIMAL", "FEASIBLE"):
        raise PlanningError(f"no roster: solver status {result.status}. {result.message}")
    violations = validate(problem, result.roster)
    if violations:
        raise InvalidRosterError(violations)
    return save_draft(session, result, requirement_id=requirement.id, grid=grid), result


def plan_period(
    session: Session,
    *,
    grid: Grid,
    time_limit_seconds: float,
    created_by: str = "system",
    progress: Progress | None = None,
) -> tuple[m.Roster, SolveResult]:
    """Forecast, staff and roster a period from stored history, as one transaction.

    Nothing is committed until the roster is saved, so a failure anywhere leaves no
    forecast or requirement without its roster behind.
    """
    try:
        forecast = make_forecast(session, load_history(session), grid=grid, created_by=created_by)
        requirement = make_requirement(session, forecast)
        roster, result = make_roster(
            session, requirement, grid=grid, time_limit_seconds=time_limit_seconds,
            progress=progress,
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return roster, result
