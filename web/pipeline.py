"""The planning pipeline on stored data: history → forecast → requirement → roster (draft)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import insert
from sqlmodel import Session, func, select

from forecasts.backtest import forecast_auto
from forecasts.special import Uplift
from scheduler.domain import Problem, SolveResult
from scheduler.grid import Grid
from scheduler.solve import solve
from scheduler.staffing import requirement_frame
from scheduler.validate import Violation, validate
from web import models as m
from web.overrides import active_uplifts
from web.planning import (
    build_problem,
    opening_hours,
    requirement_from_frame,
    save_draft,
    service_target,
    utc,
)

Progress = Callable[[float, float, float], None]


class PlanningError(RuntimeError):
    """A planning step that cannot go on, in words a coordinator understands."""


class PlanningCancelled(PlanningError):
    """A coordinator cancelled the planning run before it was saved."""


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


def forecast_queues(
    history: pd.DataFrame, grid: Grid, uplifts: Sequence[Uplift] = ()
) -> pd.DataFrame:
    """Forecast every queue over the grid's period (in memory; nothing is stored).

    Each queue gets the method its rolling-origin backtest picks; the model column says which,
    with the backtest's figures.
    """
    if history.empty:
        raise PlanningError("there is no contact history to forecast from: import some first")
    frame, _ = forecast_auto(
        history, start=grid.start_day, days=grid.days, interval_minutes=grid.interval_minutes,
        timezone=grid.timezone, uplifts=uplifts,
    )
    if frame.empty:
        raise PlanningError("the forecast came out empty: no queue has usable history")
    return frame


def staff_queues(session: Session, forecast: pd.DataFrame, grid: Grid) -> pd.DataFrame:
    """Required agents per queue and interval from a forecast, with each queue's target."""
    queues = session.exec(select(m.Queue)).all()
    frame = requirement_frame(
        forecast,
        {q.key: service_target(q) for q in queues},
        {q.key: q.channel for q in queues},
        grid.interval_minutes,
        opening_hours={q.key: opening_hours(q) for q in queues},
    )
    if frame.empty:
        raise PlanningError("the forecast holds no intervals to staff")
    return frame


def store_forecast(
    session: Session, frame: pd.DataFrame, *, grid: Grid, created_by: str
) -> m.Forecast:
    """Add a forecast frame as the next forecast version (the caller commits)."""
    row = m.Forecast(
        version=_next_version(session, m.Forecast),
        start_day=grid.start_day,
        days=grid.days,
        interval_minutes=grid.interval_minutes,
        method=", ".join(sorted({_method_name(note) for note in set(frame["model"])}))[:500],
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


def _method_name(note: str) -> str:
    """The method of a model note: 'weekday_profile(holiday ...) | chosen by ...' -> its name."""
    return note.split(" | ")[0].split("(")[0].split(" [")[0].strip()


def store_requirement(
    session: Session, frame: pd.DataFrame, forecast: m.Forecast
) -> m.Requirement:
    """Add a requirement frame as the next requirement version (the caller commits)."""
    row = m.Requirement(version=_next_version(session, m.Requirement), forecast_id=forecast.id)
    session.add(row)
    session.flush()
    queue_ids = {q.key: q.id for q in session.exec(select(m.Queue))}
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


def roster_for(
    problem: Problem, *, time_limit_seconds: float, progress: Progress | None = None
) -> SolveResult:
    """Solve all clients' queues at once and check the roster against every hard rule."""
    result = solve(problem, time_limit_seconds=time_limit_seconds, progress=progress)
    if result.status not in ("OPTIMAL", "FEASIBLE"):
        raise PlanningError(f"no roster: solver status {result.status}. {result.message}")
    violations = validate(problem, result.roster)
    if violations:
        raise InvalidRosterError(violations)
    return result


def plan_period(
    session: Session,
    *,
    grid: Grid,
    time_limit_seconds: float,
    created_by: str = "system",
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[m.Roster, SolveResult]:
    """Forecast, staff and roster a period from stored history; store all three at once.

    Everything is computed in memory first and written in one short transaction at the end,
    so a failure or a cancel saves nothing, and the database is never locked during a solve.
    """
    forecast = forecast_queues(load_history(session), grid, active_uplifts(session, grid))
    requirement = staff_queues(session, forecast, grid)
    required = requirement_from_frame(requirement, grid)
    problem = build_problem(session, grid=grid, requirement=required)
    session.rollback()  # end the read transaction before the long solve
    result = roster_for(problem, time_limit_seconds=time_limit_seconds, progress=progress)
    if cancelled is not None and cancelled():
        raise PlanningCancelled("cancelled by a coordinator: nothing was saved")
    try:
        forecast_row = store_forecast(session, forecast, grid=grid, created_by=created_by)
        requirement_row = store_requirement(session, requirement, forecast_row)
        roster = save_draft(session, result, requirement_id=requirement_row.id, grid=grid)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return roster, result
