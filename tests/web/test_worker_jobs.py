"""Planning jobs on the real local Redis with real `vuoro worker` processes (RQ)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from sqlmodel import Session

from web import models as m
from web.jobs import enqueue_on_redis, mark_stale_jobs, submit_plan_job

from .snapshots import snapshot

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture()
def redis_url() -> str:
    """The local Redis server's URL; skipped (with the reason) when none answers."""
    try:
        with Redis.from_url(REDIS_URL, socket_connect_timeout=1) as connection:
            connection.ping()
    except RedisError as error:
        pytest.skip(f"no Redis server at {REDIS_URL} ({error}); CI starts one")
    return REDIS_URL


@pytest.fixture()
def worker(redis_url: str, tmp_path):  # noqa: ANN001, ANN201
    """A `vuoro worker` process on a queue of its own, listening before the test; killed after."""
    queue = f"vuoro-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "worker", "--redis-url", redis_url, "--queue",
             queue], start_new_session=True, stdout=output, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120  # imports take a while on a busy machine
    with Redis.from_url(redis_url) as connection:
        while not Worker.all(queue=Queue(queue, connection=connection)):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"vuoro worker did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
    yield queue, process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _wait(session: Session, job_id: int, done, seconds: float = 120) -> m.Job:  # noqa: ANN001
    """Poll a job until `done(job)` holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        session.expire_all()
        job = session.get(m.Job, job_id)
        if done(job):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} stuck at {job.status}: {job.message}")


def _without_job(rows: dict, job_id: int) -> dict:
    """A snapshot with one job's row left out (the job under test changes by design)."""
    job_id_column = list(m.Job.__table__.columns.keys()).index("id")
    return rows | {"job": [r for r in rows["job"] if r[job_id_column] != job_id]}


def test_worker_process_runs_a_planning_job(app, session, planned, worker, redis_url) -> None:  # noqa: ANN001, E501
    """A job put on Redis is taken by the worker process and leaves a draft roster."""
    queue, _ = worker
    url = app.config["DATABASE_URL"]
    job = submit_plan_job(session, start_day=planned.world.start_day, days=7,
                          time_limit_seconds=5, created_by="test")
    session.commit()
    enqueue_on_redis(redis_url, url, job.id, queue=queue)
    done = _wait(session, job.id, lambda j: j.status not in ("queued", "running"))
    assert done.status == "succeeded", done.message
    assert session.get(m.Roster, done.roster_id).status == "draft"


def test_killing_the_worker_mid_solve_changes_nothing_and_fails_the_job(app, client, auth, session, planned, worker, redis_url) -> None:  # noqa: ANN001, E501
    """SIGKILL during the solve: every row of every table is as before, the job shows failed."""
    queue, process = worker
    job = submit_plan_job(session, start_day=planned.world.start_day, days=7,
                          time_limit_seconds=120, created_by="test")
    session.commit()
    before = snapshot(session)
    assert before["shift"] and before["activity"] and before["contacthistory"]
    enqueue_on_redis(redis_url, app.config["DATABASE_URL"], job.id, queue=queue)
    _wait(session, job.id, lambda j: j.status == "running" and j.message.startswith("solving"))
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    time.sleep(2)
    assert mark_stale_jobs(session, stale_after_seconds=1.5) == [job.id]
    session.commit()
    session.expire_all()
    failed = session.get(m.Job, job.id)
    assert failed.status == "failed" and "worker stopped" in failed.message
    assert _without_job(snapshot(session), job.id) == _without_job(before, job.id)
    published = session.get(m.Roster, planned.roster_id)
    assert (published.status, published.version) == ("published", 1)
    coordinator = next(u for u in planned.world.users if u.role == "coordinator")
    auth.login(coordinator.username, coordinator.password)
    page = client.get(f"/coordinator/jobs/{job.id}").get_data(as_text=True)
    assert 'id="job-status">failed<' in page and "worker stopped" in page
