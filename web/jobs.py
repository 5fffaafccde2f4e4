"""Background planning jobs: progress, cancel, heartbeat; run in a thread or on an RQ worker.

Without REDIS_URL a job runs in a thread of the web process (embedded, zero set-up). With
REDIS_URL it goes on a Redis queue (RQ) that any number of `vuoro worker` processes, on this
machine or others, take jobs from. Either way the job writes a heartbeat; a job whose
heartbeat stops (its worker crashed or was killed) is marked failed, and since a planning
run writes nothing until its single final transaction, nothing else changes.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from datetime import date, timedelta

from redis import Redis
from rq import Queue
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from scheduler.domain import SolveResult
from scheduler.grid import Grid
from scheduler.replan import Replan
from web import models as m
from web.db import make_engine
from web.pipeline import PlanningCancelled, PlanningError, forecast_period, plan_period
from web.planning import utc
from web.replanning import replan_published

PROGRESS_EVERY_SECONDS = 1.0
HEARTBEAT_SECONDS = 5.0
STALE_AFTER_SECONDS = 30.0  # no heartbeat for this long: the worker is gone
INTERVAL_MINUTES = 30
QUEUE_NAME = "vuoro"
JOB_OVERHEAD_SECONDS = 600.0  # a run's budget beyond the solver's limit: forecast, staff, save
RQ_GRACE_SECONDS = 60.0  # RQ kills a work horse this long after the job's own budget
LOG = logging.getLogger(__name__)


def submit_plan_job(
    session: Session, *, start_day: date, days: int, time_limit_seconds: float, created_by: str,
    kind: str = "plan",
) -> m.Job:
    """Queue a planning job (kind "plan") or a forecast-only one ("forecast") for a period
    (the caller commits, then starts it)."""
    if kind not in ("plan", "forecast"):
        raise ValueError("a run plans a roster or only forecasts")
    if start_day.weekday() != 0:
        raise ValueError("a planning period starts on a Monday")
    if not 1 <= days <= 28:
        raise ValueError("a planning period is 1 to 28 days")
    if not 5 <= time_limit_seconds <= 900:
        raise ValueError("the solver time limit is 5 to 900 seconds")
    job = m.Job(kind=kind, start_day=start_day, days=days,
                time_limit_seconds=time_limit_seconds, created_by=created_by, message="queued")
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
            run_plan_job_at, database_url, job_id,
            job_timeout=int(job_budget_seconds(limit) + RQ_GRACE_SECONDS),
            # one Redis serves many databases (test sessions, staging): the id names both,
            # or one database's job 1 would overwrite another's arguments
            job_id=f"vuoro-plan-{_database_tag(database_url)}-{job_id}",
        )
        return rq_job.id


def _database_tag(database_url: str) -> str:
    """A short, stable tag of a database URL."""
    return hashlib.sha256(database_url.encode()).hexdigest()[:12]


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


def _update(
    engine: Engine, job_id: int, *, when: tuple[str, ...] = ("running",), **fields: object
) -> bool:
    """Write job fields if the job's status is one of `when`, in its own short transaction.

    The condition makes every transition one-way: once a job has failed (timed out, or its
    worker was declared dead) or finished, a late progress report cannot revive it.
    """
    with engine.begin() as connection:
        done = connection.execute(
            update(m.Job).where(m.Job.id == job_id, col(m.Job.status).in_(when)).values(**fields)
        )
    return done.rowcount == 1


def _stop_wanted(engine: Engine, job_id: int) -> bool:
    """Whether the job should stop: a coordinator cancelled it, or it is no longer running."""
    with Session(engine) as session:
        job = session.get(m.Job, job_id)
        return job is None or job.cancel_requested or job.status != "running"


def _cancel_requested(engine: Engine, job_id: int) -> bool:
    """Whether a coordinator asked the job to stop."""
    with Session(engine) as session:
        return bool(session.get(m.Job, job_id).cancel_requested)


def job_budget_seconds(time_limit_seconds: float) -> float:
    """How long a whole run may take: the solver's limit plus forecasting and saving."""
    return time_limit_seconds + JOB_OVERHEAD_SECONDS


def _time_out(engine: Engine, job_id: int, budget_seconds: float) -> None:
    """Fail a job still running past its budget; its run then saves nothing."""
    _update(engine, job_id, status="failed", finished_at=m.utcnow(),
            message=f"timed out: the run took longer than its budget of {budget_seconds:.0f} s "
                    "(solver time limit plus forecasting and saving); nothing was saved")


def run_plan_job(engine: Engine, job_id: int, *, budget_seconds: float | None = None) -> None:
    """Forecast, staff and roster the job's period; record success, failure, cancel or timeout.

    A watchdog fails the job once it runs past its budget (default: the solver's time limit
    plus JOB_OVERHEAD_SECONDS); the run stops at its next check and saves nothing. The draft
    and the job's success are written in one transaction, and only while the job still runs,
    so a job shown as failed or cancelled never leaves a roster behind.
    """
    with Session(engine) as session:
        job = session.get(m.Job, job_id)
        grid = Grid(job.start_day, job.days, INTERVAL_MINUTES)
        limit = job.time_limit_seconds
        kind, base_roster_id = job.kind, job.base_roster_id
    budget = job_budget_seconds(limit) if budget_seconds is None else budget_seconds
    if _cancel_requested(engine, job_id):
        _update(engine, job_id, when=("queued",), status="cancelled", finished_at=m.utcnow(),
                message="cancelled")
        return
    if not _update(engine, job_id, when=("queued",), status="running", started_at=m.utcnow(),
                   heartbeat_at=m.utcnow(), message="forecasting and staffing"):
        return  # already taken, failed or cancelled: never run a job twice
    last = [0.0]
    beating = threading.Event()
    heart = threading.Thread(target=_heartbeat, args=(engine, job_id, beating), daemon=True)
    heart.start()
    watchdog = threading.Timer(budget, _time_out, args=(engine, job_id, budget))
    watchdog.daemon = True
    watchdog.start()

    def progress(seconds: float, objective: float, bound: float) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_SECONDS:
            last[0] = now
            _update(engine, job_id, progress=min(0.99, seconds / limit),
                    message=f"solving: objective {objective:,.0f} after {seconds:.0f} s")

    def claim_success(
        session: Session, roster: m.Roster, result: SolveResult, detail: str = ""
    ) -> None:
        """Mark the job succeeded in the transaction that saves its draft, if it still runs."""
        penalties = ", ".join(f"{k} {v:,}" for k, v in result.penalties.items())
        done = session.execute(
            update(m.Job)
            .where(m.Job.id == job_id, m.Job.status == "running", ~col(m.Job.cancel_requested))
            .values(status="succeeded", progress=1.0, finished_at=m.utcnow(),
                    roster_id=roster.id,
                    message=f"draft roster #{roster.id}: {result.status}{detail}, "
                            f"{penalties}")
        )
        if done.rowcount != 1:
            raise PlanningCancelled("the run was stopped before it saved: nothing was saved")

    def claim_forecast(
        session: Session, forecast: m.Forecast, requirement: m.Requirement
    ) -> None:
        """Mark a forecast-only job succeeded in the transaction that stores the forecast."""
        done = session.execute(
            update(m.Job)
            .where(m.Job.id == job_id, m.Job.status == "running", ~col(m.Job.cancel_requested))
            .values(status="succeeded", progress=1.0, finished_at=m.utcnow(),
                    message=f"forecast v{forecast.version} ({forecast.method}) and "
                            f"requirement v{requirement.version} stored; no roster")
        )
        if done.rowcount != 1:
            raise PlanningCancelled("the run was stopped before it saved: nothing was saved")

    def claim_replan(session: Session, roster: m.Roster, plan: Replan) -> None:
        claim_success(session, roster, plan.result, f", {len(plan.changes)} agent-days changed")

    def stop_wanted() -> bool:
        return _stop_wanted(engine, job_id)

    try:
        with Session(engine) as session:
            if kind == "forecast":
                forecast_period(session, grid=grid, created_by=f"job {job_id}",
                                cancelled=stop_wanted, before_commit=claim_forecast)
            elif kind == "replan":
                replan_published(
                    session, base_roster_id, time_limit_seconds=limit,
                    created_by=f"job {job_id}", progress=progress, cancelled=stop_wanted,
                    before_commit=claim_replan)
            else:
                plan_period(
                    session, grid=grid, time_limit_seconds=limit, created_by=f"job {job_id}",
                    progress=progress, cancelled=stop_wanted, before_commit=claim_success,
                )
    except PlanningCancelled as cancelled:
        _update(engine, job_id, status="cancelled", finished_at=m.utcnow(), message=str(cancelled))
    except PlanningError as error:
        _update(engine, job_id, status="failed", finished_at=m.utcnow(),
                message=f"{error}; nothing was saved"[:1000])
    except Exception as error:  # noqa: BLE001  (any crash is reported on the job)
        LOG.exception("planning job %s crashed", job_id)
        _update(engine, job_id, status="failed", finished_at=m.utcnow(),
                message=f"crashed: {type(error).__name__}: {error}; nothing was saved"[:1000])
    finally:
        beating.set()
        watchdog.cancel()


def _heartbeat(engine: Engine, job_id: int, stop: threading.Event) -> None:
    """Write the job's heartbeat every few seconds until told to stop (or it stops running)."""
    while not stop.wait(HEARTBEAT_SECONDS):
        if not _update(engine, job_id, heartbeat_at=m.utcnow()):
            return


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
