"""Background planning jobs: progress, cancel, heartbeat; run in a thread or on an RQ worker.

Without REDIS_URL a job runs in a thread of the web process (embedded, zero set-up). With
REDIS_URL it goes on a Redis queue (RQ) that any number of `vuoro worker` processes, on this
machine or others, take jobs from. Either way the job writes a heartbeat; a job whose
heartbeat stops (its worker crashed or was killed) is marked failed, and since a planning
run writes nothing until its single final transaction, nothing else changes.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

from redis import Redis
from rq import Queue
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from scheduler.grid import Grid
from web import models as m
from web.db import make_engine
from web.pipeline import PlanningCancelled, plan_period
from web.planning import utc
from web.replanning import replan_published

PROGRESS_EVERY_SECONDS = 1.0
HEARTBEAT_SECONDS = 5.0
STALE_AFTER_SECONDS = 30.0  # no heartbeat for this long: the worker is gone
INTERVAL_MINUTES = 30
QUEUE_NAME = "vuoro"


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


def submit_replan_job(
    session: Session,
    *,
    base_roster_id: int,
    time_limit_seconds: float,
    created_by: str,
    capacity_request_id: int | None = None,
) -> m.Job:
    """Queue a re-plan of a published roster's period (the caller commits, then starts it)."""
    base = session.get(m.Roster, base_roster_id)
    if base is None or base.status != "published":
        raise ValueError("only a published roster can be re-planned")
    if not 5 <= time_limit_seconds <= 900:
        raise ValueError("the solver time limit is 5 to 900 seconds")
    job = m.Job(kind="replan", start_day=base.start_day, days=base.days,
                time_limit_seconds=time_limit_seconds, created_by=created_by, message="queued",
                base_roster_id=base_roster_id, capacity_request_id=capacity_request_id)
    session.add(job)
    return job


def start_job(engine: Engine, job_id: int, *, redis_url: str | None = None) -> None:
    """Hand a committed job to the Redis queue when there is one, else to a thread."""
    if redis_url:
        enqueue_on_redis(redis_url, engine.url.render_as_string(hide_password=False), job_id)
    else:
        start_in_thread(engine, job_id)


def enqueue_on_redis(
    redis_url: str, database_url: str, job_id: int, *, queue: str = QUEUE_NAME
) -> str:
    """Put a job on the RQ queue; returns RQ's job id."""
    with Redis.from_url(redis_url) as connection:
        with Session(make_engine(database_url)) as session:
            limit = session.get(m.Job, job_id).time_limit_seconds
        rq_job = Queue(queue, connection=connection).enqueue(
            run_plan_job_at, database_url, job_id, job_timeout=int(limit) + 600,
            job_id=f"vuoro-plan-{job_id}",
        )
        return rq_job.id


def run_plan_job_at(database_url: str, job_id: int) -> None:
    """Worker entry point: run a job against the database at `database_url`."""
    engine = make_engine(database_url)
    try:
        run_plan_job(engine, job_id)
    finally:
        engine.dispose()


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
        job.message = "cancelling: the run stops within a second or two and saves nothing"
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
        kind, base_roster_id = job.kind, job.base_roster_id
    if _cancel_requested(engine, job_id):
        _update(engine, job_id, status="cancelled", finished_at=m.utcnow(), message="cancelled")
        return
    _update(engine, job_id, status="running", started_at=m.utcnow(), heartbeat_at=m.utcnow(),
            message="forecasting and staffing")
    last = [0.0]
    beating = threading.Event()
    heart = threading.Thread(target=_heartbeat, args=(engine, job_id, beating), daemon=True)
    heart.start()

    def progress(seconds: float, objective: float, bound: float) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_SECONDS:
            last[0] = now
            _update(engine, job_id, progress=min(0.99, seconds / limit),
                    message=f"solving: objective {objective:,.0f} after {seconds:.0f} s")

    def cancelled() -> bool:
        return _cancel_requested(engine, job_id)

    changed = ""
    try:
        with Session(engine) as session:
            if kind == "replan":
                roster, plan = replan_published(
                    session, base_roster_id, time_limit_seconds=limit,
                    created_by=f"job {job_id}", progress=progress, cancelled=cancelled)
                result = plan.result
                changed = f", {len(plan.changes)} agent-days changed"
            else:
                roster, result = plan_period(
                    session, grid=grid, time_limit_seconds=limit, created_by=f"job {job_id}",
                    progress=progress, cancelled=cancelled,
                )
            roster_id = roster.id
    except PlanningCancelled as cancelled:
        beating.set()
        _update(engine, job_id, status="cancelled", finished_at=m.utcnow(), message=str(cancelled))
    except Exception as error:  # noqa: BLE001  (any failure is reported on the job)
        beating.set()
        _update(engine, job_id, status="failed", finished_at=m.utcnow(),
                message=f"{type(error).__name__}: {error}"[:1000])
    else:
        beating.set()
        penalties = ", ".join(f"{k} {v:,}" for k, v in result.penalties.items())
        _update(engine, job_id, status="succeeded", progress=1.0, finished_at=m.utcnow(),
                roster_id=roster_id,
                message=f"draft roster #{roster_id}: {result.status}{changed}, {penalties}")


def _heartbeat(engine: Engine, job_id: int, stop: threading.Event) -> None:
    """Write the job's heartbeat every few seconds until told to stop."""
    while not stop.wait(HEARTBEAT_SECONDS):
        _update(engine, job_id, heartbeat_at=m.utcnow())


def mark_stale_jobs(
    session: Session, *, stale_after_seconds: float = STALE_AFTER_SECONDS
) -> list[int]:
    """Fail running jobs whose heartbeat stopped (their worker died); the caller commits."""
    cutoff = m.utcnow() - timedelta(seconds=stale_after_seconds)
    failed = []
    for job in session.exec(select(m.Job).where(m.Job.status == "running")):
        beat = job.heartbeat_at or job.started_at
        if beat is not None and utc(beat) < cutoff:
            job.status = "failed"
            job.finished_at = m.utcnow()
            job.message = (
                f"the worker stopped (no heartbeat since {utc(beat):%H:%M:%S} UTC); "
                "nothing was saved: start the run again"
            )
            session.add(job)
            failed.append(job.id)
    return failed
