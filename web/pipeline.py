"""The planning pipeline on stored data: history → forecast → requirement → roster (draft)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import insert
from sqlmodel import Session, func, select

from forecasts.backtest import forecast_auto
from forecasts.special import Uplift
from scheduler.domain import Problem, SolveResult
from scheduler.grid import Grid
from scheduler.service_level import forecast_from_frame
from scheduler.solve import solve
from scheduler.staffing import requirement_frame, with_deferred_workload
from scheduler.validate import Violation, validate
from web import models as m
from web.overrides import active_uplifts
from web.planning import (
    build_problem,
    open_flags,
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
    try:
        frame = requirement_frame(
            forecast,
            {q.key: service_target(q) for q in queues},
            {q.key: q.channel for q in queues},
            grid.interval_minutes,
            opening_hours={q.key: opening_hours(q) for q in queues},
        )
    except ValueError as error:  # e.g. a history so large no queue could be staffed for it
        raise PlanningError(f"the forecast cannot be staffed: {error}") from error
    if frame.empty:
        raise PlanningError("the forecast holds no intervals to staff")
    return frame


def with_email_workload(session: Session, problem: Problem, requirement: pd.DataFrame) -> Problem:
    """The problem with each email queue's work as cumulative workload, not per-interval peaks.

    The email queues' per-interval requirement stays as the solver's starting profile.
    """
    targets = {q.key: service_target(q) for q in session.exec(select(m.Queue))}
    per_queue = forecast_from_frame(requirement, problem.grid)
    seconds = {key: np.multiply(f.contacts, f.aht_seconds) for key, f in per_queue.items()}
    return with_deferred_workload(problem, seconds, targets)


def approved_requests(
    session: Session, grid: Grid, *, except_in: int | None = None
) -> list[m.CapacityRequest]:
    """Approved capacity requests touching the grid's period, oldest first.

    `except_in` leaves out those a stored requirement (by id) already includes.
    """
    query = select(m.CapacityRequest).where(
        m.CapacityRequest.status == "approved",
        m.CapacityRequest.start < grid.end_utc,
        m.CapacityRequest.end > grid.start_utc,
    )
    found = sorted(session.exec(query), key=lambda r: r.id)
    if except_in is not None:
        applied = set(session.exec(select(m.AppliedCapacityRequest.capacity_request_id).where(
            m.AppliedCapacityRequest.requirement_id == except_in)))
        found = [r for r in found if r.id not in applied]
    return found


def apply_requests(
    session: Session, requirement: pd.DataFrame, requests: Sequence[m.CapacityRequest],
    grid: Grid,
) -> pd.DataFrame:
    """A requirement frame with approved capacity requests added on their queues and windows.

    Expected extra contacts raise the queue's contacts in the window by that percentage, and
    the queue is staffed again from them (its model, target and opening hours, as a forecast
    would be); extra agents are then added to every open interval of the window.
    """
    queues = {q.id: q for q in session.exec(select(m.Queue))}
    frame = requirement.reset_index(drop=True)
    for request in requests:
        queue = queues[request.queue_id]
        starts = pd.to_datetime(frame["interval_start"], utc=True)
        window = ((frame["queue"] == queue.key) & (starts >= pd.Timestamp(utc(request.start)))
                  & (starts < pd.Timestamp(utc(request.end)))).to_numpy()
        if request.extra_contacts_percent:
            frame["contacts"] = frame["contacts"].astype(float)
            frame.loc[window, "contacts"] *= 1 + request.extra_contacts_percent / 100
            mine = (frame["queue"] == queue.key).to_numpy()
            restaffed = staff_queues(session, frame[mine], grid)
            frame = pd.concat([frame[~mine], restaffed[list(frame.columns)]], ignore_index=True)
            starts = pd.to_datetime(frame["interval_start"], utc=True)
            window = ((frame["queue"] == queue.key)
                      & (starts >= pd.Timestamp(utc(request.start)))
                      & (starts < pd.Timestamp(utc(request.end)))).to_numpy()
        if request.extra_agents:
            flags = open_flags(grid, opening_hours(queue))
            for i in np.flatnonzero(window):  # only while the queue is open: none work it else
                instant = starts.iloc[i].to_pydatetime()
                if grid.start_utc <= instant < grid.end_utc and flags[grid.index_of(instant)]:
                    frame.loc[i, "required_agents"] += request.extra_agents
    return frame.sort_values(["queue", "interval_start"], ignore_index=True)


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
    session: Session,
    frame: pd.DataFrame,
    forecast: m.Forecast | int,
    *,
    requests: Sequence[m.CapacityRequest] = (),
    base: m.Requirement | None = None,
    note: str = "",
) -> m.Requirement:
    """Add a requirement frame as the next requirement version (the caller commits).

    `requests` are the approved capacity requests the frame includes; with `base` they are
    in addition to those the base requirement already has.
    """
    forecast_id = forecast if isinstance(forecast, int) else forecast.id
    targets = {q.key: dataclasses.asdict(service_target(q)) for q in session.exec(select(m.Queue))}
    row = m.Requirement(version=_next_version(session, m.Requirement), forecast_id=forecast_id,
                        base_requirement_id=base.id if base else None, note=note,
                        targets={key: targets[key] for key in sorted(set(frame["queue"]))})
    session.add(row)
    session.flush()
    included = {r.id for r in requests}
    if base is not None:
        included |= set(session.exec(select(m.AppliedCapacityRequest.capacity_request_id).where(
            m.AppliedCapacityRequest.requirement_id == base.id)))
    session.add_all(m.AppliedCapacityRequest(requirement_id=row.id, capacity_request_id=i)
                    for i in sorted(included))
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
                "abandon_share": None if pd.isna(r.abandon_share) else float(r.abandon_share),
            }
            for r in frame.itertuples(index=False)
        ],
    )
    return row


def roster_for(
    problem: Problem,
    *,
    time_limit_seconds: float,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> SolveResult:
    """Solve all clients' queues at once and check the roster against every hard rule.

    `cancelled` is polled during the search: when it turns True the solver stops at once
    and PlanningCancelled is raised, rather than waiting for the time limit.
    """
    result = solve(problem, time_limit_seconds=time_limit_seconds, progress=progress,
                   stop=cancelled)
    _check_cancelled(cancelled)
    if result.status not in ("OPTIMAL", "FEASIBLE"):
        raise PlanningError(f"no roster: solver status {result.status}. {result.message}")
    violations = validate(problem, result.roster)
    if violations:
        raise InvalidRosterError(violations)
    return result


def _check_cancelled(cancelled: Callable[[], bool] | None) -> None:
    """Raise PlanningCancelled when a coordinator asked the run to stop."""
    if cancelled is not None and cancelled():
        raise PlanningCancelled("cancelled by a coordinator: nothing was saved")


def forecast_period(
    session: Session,
    *,
    grid: Grid,
    created_by: str = "system",
    cancelled: Callable[[], bool] | None = None,
    before_commit: Callable[[Session, m.Forecast, m.Requirement], None] | None = None,
) -> tuple[m.Forecast, m.Requirement]:
    """Forecast and staff a period from stored history (approved requests included), no roster.

    A coordinator checks the forecast (and overrides it) before rostering; both versions are
    written in one transaction at the end, so a failure or a cancel saves nothing.
    """
    forecast = forecast_queues(load_history(session), grid, active_uplifts(session, grid))
    _check_cancelled(cancelled)
    requests = approved_requests(session, grid)
    requirement = apply_requests(session, staff_queues(session, forecast, grid), requests, grid)
    _check_cancelled(cancelled)
    try:
        forecast_row = store_forecast(session, forecast, grid=grid, created_by=created_by)
        requirement_row = store_requirement(session, requirement, forecast_row, requests=requests)
        session.flush()
        if before_commit is not None:
            before_commit(session, forecast_row, requirement_row)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return forecast_row, requirement_row


def plan_period(
    session: Session,
    *,
    grid: Grid,
    time_limit_seconds: float,
    created_by: str = "system",
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    before_commit: Callable[[Session, m.Roster, SolveResult], None] | None = None,
) -> tuple[m.Roster, SolveResult]:
    """Forecast, staff and roster a period from stored history; store all three at once.

    Everything is computed in memory first and written in one short transaction at the end,
    so a failure or a cancel saves nothing, and the database is never locked during a solve.
    `before_commit` runs inside that transaction (a job marks itself done there); if it
    raises, nothing is saved.
    """
    forecast = forecast_queues(load_history(session), grid, active_uplifts(session, grid))
    _check_cancelled(cancelled)
    requests = approved_requests(session, grid)
    requirement = apply_requests(session, staff_queues(session, forecast, grid), requests, grid)
    required = requirement_from_frame(requirement, grid)
    problem = with_email_workload(
        session, build_problem(session, grid=grid, requirement=required), requirement
    )
    session.rollback()  # end the read transaction before the long solve
    _check_cancelled(cancelled)
    result = roster_for(problem, time_limit_seconds=time_limit_seconds, progress=progress,
                        cancelled=cancelled)
    try:
        forecast_row = store_forecast(session, forecast, grid=grid, created_by=created_by)
        requirement_row = store_requirement(session, requirement, forecast_row, requests=requests)
        roster = save_draft(session, result, requirement_id=requirement_row.id, grid=grid)
        if before_commit is not None:
            session.flush()
            before_commit(session, roster, result)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return roster, result
