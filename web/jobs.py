"""Background planning jobs: run in a thread of the web process, report progress, cancel."""

from __future__ import annotations

import threading
import time
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session

from scheduler.grid import Grid
from web import models as m
from web.pipeline import PlanningCancelled, plan_period

PROGRESS_EVERY_SECONDS = 1.0
INTERVAL_MINUTES = 30


def submit_plan_job(
    session: Session, *, start_day: date, days: int, time_limit_seconds: float, created_by: str
) -> m.Job:
    """Queue a planning job for a period (the caller commits, then starts it)."""
    if start_day.weekday() != 0:
        raise ValueError("a planning period starts on a Monday")
    if not 1 <= days <= 28:
        raise ValueError("a planning period is 1 to 28 days")
    if not 5 <= time_limit_seconds <= 900:
        raise ValueError("the solver time limit is 5 to 900 seconds")
    job = m.Job(start_day=start_day, days=days, time_limit_seconds=time_limit_seconds,
                created_by=created_by, message="queued")
    session.add(job)
    return job


def start_in_thread(engine: Engine, job_id: int) -> threading.Thread:
    """Run a committed job in a background thread of this process."""
    thread = threading.Thread(target=run_plan_job, args=(engine, job_id), daemon=True,
                              name=f"vuoro-job-{job_id}")
    thread.start()
    return thread


def request_cancel(session: Session, job_id: int) -> m.Job:
    """Ask a queued or running job to stop; it saves nothing (the caller commits)."""
    job = session.get(m.Job, job_id)
    if job is None:
        raise LookupError(f"job {job_id} does not exist")
    if job.status in ("queued", "running"):
        job.cancel_requested = True
        job.message = "cancelling: the solver stops at its time limit, then nothing is saved"
        session.add(job)
    return job


def _update(engine: Engine, job_id: int, **fields: object) -> None:
    """Write job fields in their own short transaction (readers see progress at once)."""
    with Session(engine) as session:
        job = session.get(m.Job, job_id)
        for name, value in fields.items():
            setattr(job, name, value)
        session.add(job)
        session.commit()


def _cancel_requested(engine: Engine, job_id: int) -> bool:
    """Whether a coordinator asked the job to stop."""
    with Session(engine) as session:
        return bool(session.get(m.Job, job_id).cancel_requested)


def run_plan_job(engine: Engine, job_id: int) -> None:
    """Forecast, staff and roster the job's period; record success, failure or cancel."""
    with Session(engine) as session:
        job = session.get(m.Job, job_id)
        grid = Grid(job.start_day, job.days, INTERVAL_MINUTES)
        limit = job.time_limit_seconds
    if _cancel_requested(engine, job_id):
        _update(engine, job_id, status="cancelled", finished_at=m.utcnow(), message="cancelled")
        return
    _update(engine, job_id, status="running", started_at=m.utcnow(),
            message="forecasting and staffing")
    last = [0.0]

    def progress(seconds: float, objective: float, bound: float) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_SECONDS:
            last[0] = now
            _update(engine, job_id, progress=min(0.99, seconds / limit),
                    message=f"solving: objective {objective:,.0f} after {seconds:.0f} s")

    try:
        with Session(engine) as session:
            roster, result = plan_period(
                session, grid=grid, time_limit_seconds=limit, created_by=f"job {job_id}",
                progress=progress, cancelled=lambda: _cancel_requested(engine, job_id),
            )
            roster_id = roster.id
    except PlanningCancelled as cancelled:
        _update(engine, job_id, status="cancelled", finished_at=m.utcnow(), message=str(cancelled))
    except Exception as error:  # noqa: BLE001  (any failure is reported on the job)
        _update(engine, job_id, status="failed", finished_at=m.utcnow(),
                message=f"{type(error).__name__}: {error}"[:1000])
    else:
        penalties = ", ".join(f"{k} {v:,}" for k, v in result.penalties.items())
        _update(engine, job_id, status="succeeded", progress=1.0, finished_at=m.utcnow(),
                roster_id=roster_id,
                message=f"draft roster #{roster_id}: {result.status}, {penalties}")
