"""Planning jobs that go wrong: over their time budget, crashing, or with nothing to plan from.

Each is reported on the job (status and a message the coordinator can act on, shown on the
job's page), and leaves every other row of every table as it was.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import delete
from sqlmodel import select

from tests.web.conftest import user_of
from web import models as m
from web import pipeline
from web.jobs import run_plan_job, submit_plan_job

from .snapshots import snapshot


def _password(planned, username: str) -> str:  # noqa: ANN001
    """The demo password of a user in the small world."""
    return next(u.password for u in planned.world.users if u.username == username)


def _without_job(rows: dict, job_id: int) -> dict:
    """A snapshot with one job's row left out (the job under test changes by design)."""
    job_id_column = list(m.Job.__table__.columns.keys()).index("id")
    return rows | {"job": [r for r in rows["job"] if r[job_id_column] != job_id]}


def _wait_for(session, job_id: int, done, seconds: float = 90) -> m.Job:  # noqa: ANN001
    """Poll a job until `done(job)` holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        session.expire_all()
        job = session.get(m.Job, job_id)
        if done(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} stuck at {job.status}: {job.message}")


def test_embedded_job_over_its_budget_is_failed_at_once_and_saves_nothing(app, session, planned) -> None:  # noqa: ANN001, E501
    """A run in a web-process thread past its budget is failed by the watchdog; no roster."""
    job = submit_plan_job(session, start_day=planned.world.start_day, days=7,
                          time_limit_seconds=5, created_by="test")
    session.commit()
    before = snapshot(session)
    started = time.monotonic()
    run = threading.Thread(target=run_plan_job, args=(app.extensions["vuoro_engine"], job.id),
                           kwargs={"budget_seconds": 1.0})
    run.start()
    failed = _wait_for(session, job.id, lambda j: j.status not in ("queued", "running"))
    shown_after = time.monotonic() - started
    run.join(timeout=120)
    assert not run.is_alive()
    assert failed.status == "failed" and failed.message.startswith("timed out"), failed.message
    assert shown_after < 1.0 + 3.0, "the watchdog fails the job when its budget runs out"
    session.expire_all()
    finished = session.get(m.Job, job.id)
    assert (finished.status, finished.roster_id) == ("failed", None), "a late finish is ignored"
    assert _without_job(snapshot(session), job.id) == _without_job(before, job.id)


def test_crashed_job_is_reported_on_its_page_and_saves_nothing(client, auth, session, planned, monkeypatch) -> None:  # noqa: ANN001, E501
    """An unexpected exception in the run: the job fails, its page and the list say why."""
    def explode(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("the solver ran out of memory")

    monkeypatch.setattr(pipeline, "roster_for", explode)
    before = snapshot(session)
    coordinator = user_of(session, "coordinator")
    auth.login(coordinator.username, _password(planned, coordinator.username))
    response = client.post("/coordinator/plan", data={
        "csrf_token": auth.csrf_token("/coordinator/plan"),
        "start_day": planned.world.start_day.isoformat(), "days": "7",
        "time_limit_seconds": "5"})
    assert response.status_code == 303
    job = session.exec(select(m.Job)).one()
    failed = _wait_for(session, job.id, lambda j: j.status not in ("queued", "running"))
    assert failed.status == "failed"
    assert failed.message.startswith("crashed: RuntimeError: the solver ran out of memory")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="job-status">failed<' in page
    assert 'id="job-error">crashed: RuntimeError: the solver ran out of memory' in page
    assert "The published roster is unchanged" in page
    assert "the solver ran out of memory" in client.get("/coordinator/plan").get_data(as_text=True)
    assert _without_job(snapshot(session), job.id) == _without_job(before, job.id)


def test_job_without_history_fails_with_the_reason(app, session, planned) -> None:  # noqa: ANN001
    """No contact history to forecast from: the job fails saying so, nothing is saved."""
    session.exec(delete(m.ContactHistory))
    job = submit_plan_job(session, start_day=planned.world.start_day, days=7,
                          time_limit_seconds=5, created_by="test")
    session.commit()
    before = snapshot(session)
    run_plan_job(app.extensions["vuoro_engine"], job.id)
    session.expire_all()
    failed = session.get(m.Job, job.id)
    assert failed.status == "failed"
    assert "there is no contact history to forecast from" in failed.message
    assert _without_job(snapshot(session), job.id) == _without_job(before, job.id)
