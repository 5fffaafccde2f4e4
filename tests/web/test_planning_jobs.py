"""A coordinator uploads history and generates a roster as a background job."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from io import BytesIO, StringIO

from sqlmodel import func, select

from fixtures.history import generate_history, write_history_csv
from tests.web.conftest import TODAY, user_of
from web import models as m
from web.jobs import request_cancel, run_plan_job, start_in_thread, submit_plan_job


def _password(planned, username: str) -> str:  # noqa: ANN001
    """The demo password of a user in the small world."""
    return next(u.password for u in planned.world.users if u.username == username)


def _login_coordinator(auth, session, planned) -> None:  # noqa: ANN001
    """Log in as a coordinator."""
    user = user_of(session, "coordinator")
    assert auth.login(user.username, _password(planned, user.username)).status_code == 302


def _count(session, table) -> int:  # noqa: ANN001
    """Rows in a table."""
    return session.exec(select(func.count()).select_from(table)).one()


def _upload(client, auth, text: str):  # noqa: ANN001, ANN202
    """Post a CSV to the history upload form."""
    data = {"csrf_token": auth.csrf_token("/coordinator/history"),
            "history": (BytesIO(text.encode()), "history.csv")}
    return client.post("/coordinator/history", data=data, content_type="multipart/form-data")


def test_history_upload_stores_rows_and_replaces_repeats(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """A valid upload adds its intervals; uploading it again replaces rather than duplicates."""
    _login_coordinator(auth, session, planned)
    before = _count(session, m.ContactHistory)
    buffer = StringIO()
    later = generate_history(planned.world, end=TODAY.replace(day=TODAY.day + 2), weeks=1)
    write_history_csv(later[later["interval_start"] >= later["interval_start"].max()
                            - __import__("pandas").Timedelta(days=1)], buffer)
    assert _upload(client, auth, buffer.getvalue()).status_code == 303
    after_first = _count(session, m.ContactHistory)
    assert after_first > before
    assert _upload(client, auth, buffer.getvalue()).status_code == 303
    assert _count(session, m.ContactHistory) == after_first


def test_bad_history_upload_says_where_and_saves_nothing(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """A negative count on line 3 is named in the message, and no row of the file is stored."""
    _login_coordinator(auth, session, planned)
    before = _count(session, m.ContactHistory)
    text = ("interval_start,client,channel,language,contacts,aht_seconds\n"
            "2026-11-19T09:00:00+02:00,telco,voice,fi,12,300\n"
            "2026-11-19T09:30:00+02:00,telco,voice,fi,-3,300\n")
    response = _upload(client, auth, text)
    assert response.status_code == 400
    assert "line 3" in response.get_data(as_text=True)
    unknown = _upload(client, auth, text.replace(",-3,", ",3,").replace("telco,voice,fi,3",
                                                                         "nobody,voice,fi,3"))
    assert unknown.status_code == 400 and "nobody" in unknown.get_data(as_text=True)
    assert _count(session, m.ContactHistory) == before


def test_one_row_for_each_of_two_queues_is_imported(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Nothing tells the interval length of a single row per queue: it is taken as stored."""
    _login_coordinator(auth, session, planned)
    text = ("interval_start,client,channel,language,contacts,aht_seconds\n"
            "2026-11-19T09:00:00+02:00,telco,voice,fi,12,300\n"
            "2026-11-19T09:00:00+02:00,webshop,chat,fi,4,300\n")
    assert _upload(client, auth, text).status_code == 303
    stored = session.exec(
        select(m.Queue.key, m.ContactHistory.contacts)
        .join(m.Queue, m.Queue.id == m.ContactHistory.queue_id)
        .where(m.ContactHistory.interval_start == datetime(2026, 11, 19, 7, tzinfo=UTC))
    ).all()
    assert sorted(stored) == [("telco-voice-fi", 12), ("webshop-chat-fi", 4)]


def test_history_upload_lists_every_rejected_row(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Three bad rows in different columns are each named by line; nothing is stored."""
    _login_coordinator(auth, session, planned)
    before = _count(session, m.ContactHistory)
    text = ("interval_start,client,channel,language,contacts,aht_seconds\n"
            "2026-11-19T09:00:00+02:00,telco,voice,fi,12,300\n"
            "2026-11-19T09:30:00+02:00,telco,voice,fi,-3,300\n"
            "2026-11-19T10:00:00+02:00,telco,fax,fi,4,300\n"
            "yesterday,telco,voice,fi,4,300\n"
            "2026-11-19T11:00:00+02:00,telco,voice,fi,4,0\n")
    response = _upload(client, auth, text)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "4 problems in history.csv" in page
    for line, column in ((3, "contacts"), (4, "channel"), (5, "interval_start"),
                         (6, "aht_seconds")):
        assert f"<li>line {line} (data row {line - 1}), column &#39;{column}&#39;" in page
    assert _count(session, m.ContactHistory) == before


def test_plan_job_runs_in_the_background_and_leaves_a_draft(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Posting the plan form starts a job whose page shows progress, then a draft roster."""
    _login_coordinator(auth, session, planned)
    token = auth.csrf_token("/coordinator/plan")
    response = client.post("/coordinator/plan", data={
        "csrf_token": token, "start_day": planned.world.start_day.isoformat(), "days": "7",
        "time_limit_seconds": "5"})
    assert response.status_code == 303
    job_url = response.headers["Location"]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        session.expire_all()
        job = session.exec(select(m.Job)).one()
        if job.status not in ("queued", "running"):
            break
        time.sleep(0.5)
    assert job.status == "succeeded", job.message
    draft = session.get(m.Roster, job.roster_id)
    assert draft.status == "draft"
    assert "Review the draft roster" in client.get(job_url).get_data(as_text=True)


def test_plan_form_refuses_a_period_not_starting_on_monday(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """A Tuesday start is refused with a message and no job."""
    _login_coordinator(auth, session, planned)
    tuesday = planned.world.start_day.replace(day=planned.world.start_day.day + 1)
    client.post("/coordinator/plan", data={
        "csrf_token": auth.csrf_token("/coordinator/plan"), "start_day": tuesday.isoformat(),
        "days": "7", "time_limit_seconds": "5"})
    assert _count(session, m.Job) == 0


def test_cancelled_job_saves_no_forecast_requirement_or_roster(app, session, planned) -> None:  # noqa: ANN001, E501
    """A job cancelled before it finishes leaves every planning table as it was."""
    counts = [_count(session, t) for t in (m.Forecast, m.Requirement, m.Roster)]
    job = submit_plan_job(session, start_day=planned.world.start_day, days=7,
                          time_limit_seconds=5, created_by="test")
    session.commit()
    request_cancel(session, job.id)
    session.commit()
    run_plan_job(app.extensions["vuoro_engine"], job.id)
    session.expire_all()
    assert session.get(m.Job, job.id).status == "cancelled"
    assert [_count(session, t) for t in (m.Forecast, m.Requirement, m.Roster)] == counts


def test_cancel_interrupts_a_running_solve_instead_of_waiting_for_its_limit(app, session, planned) -> None:  # noqa: ANN001, E501
    """Cancelled mid-solve, a job with a 300 s limit ends within seconds and saves nothing."""
    counts = [_count(session, t) for t in (m.Forecast, m.Requirement, m.Roster)]
    job = submit_plan_job(session, start_day=planned.world.start_day, days=7,
                          time_limit_seconds=300, created_by="test")
    session.commit()
    thread = start_in_thread(app.extensions["vuoro_engine"], job.id)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        session.expire_all()
        if session.get(m.Job, job.id).message.startswith("solving"):
            break
        time.sleep(0.2)
    assert session.get(m.Job, job.id).message.startswith("solving"), "the solve never started"
    request_cancel(session, job.id)
    session.commit()
    cancelled_at = time.monotonic()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the job kept solving after the cancel"
    assert time.monotonic() - cancelled_at < 10
    session.expire_all()
    assert session.get(m.Job, job.id).status == "cancelled"
    assert [_count(session, t) for t in (m.Forecast, m.Requirement, m.Roster)] == counts


def test_a_forecast_only_run_stores_forecast_and_requirement_but_no_roster(app, session, planned) -> None:  # noqa: ANN001, E501
    """Forecast only: one more forecast and requirement version, the same rosters."""
    counts = [_count(session, t) for t in (m.Forecast, m.Requirement, m.Roster)]
    job = submit_plan_job(session, start_day=planned.world.start_day, days=7,
                          time_limit_seconds=5, created_by="test", kind="forecast")
    session.commit()
    run_plan_job(app.extensions["vuoro_engine"], job.id)
    session.expire_all()
    done = session.get(m.Job, job.id)
    assert done.status == "succeeded" and "no roster" in done.message, done.message
    assert [_count(session, t) for t in (m.Forecast, m.Requirement, m.Roster)] == [
        counts[0] + 1, counts[1] + 1, counts[2]]


def test_a_history_too_large_to_staff_fails_the_job_saying_so(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Volumes each under the import's caps but together beyond any queue: a failed job that
    says why (not a search that never ends), and no forecast, requirement or roster saved."""
    _login_coordinator(auth, session, planned)
    history = generate_history(planned.world, end=TODAY, weeks=8, interval_minutes=30)
    history["contacts"] = history["contacts"] * 100_000
    history["aht_seconds"] = 80_000.0
    buffer = StringIO()
    write_history_csv(history, buffer)
    assert _upload(client, auth, buffer.getvalue()).status_code == 303
    counts = [_count(session, t) for t in (m.Forecast, m.Requirement, m.Roster)]
    job = submit_plan_job(session, start_day=planned.world.start_day, days=7,
                          time_limit_seconds=5, created_by="test", kind="forecast")
    session.commit()
    run_plan_job(client.application.extensions["vuoro_engine"], job.id)
    session.expire_all()
    failed = session.get(m.Job, job.id)
    assert failed.status == "failed"
    assert "cannot be staffed" in failed.message and "Erlangs" in failed.message, failed.message
    assert [_count(session, t) for t in (m.Forecast, m.Requirement, m.Roster)] == counts
