"""From a history CSV to the published roster on each role's page (built once in conftest)."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from scheduler.domain import SolveResult
from scheduler.validate import validate
from tests.web.conftest import user_of
from web import models as m
from web.planning import (
    PublishError,
    grid_of,
    load_roster,
    publish,
    save_draft,
    shortfall_notes,
    stored_problem,
)


def _password(planned, username: str) -> str:  # noqa: ANN001
    """The demo password of a user in the small world."""
    return next(u.password for u in planned.world.users if u.username == username)


def test_published_roster_passes_the_validator(session, planned) -> None:  # noqa: ANN001
    """The stored, published roster breaks no hard rule and covers every agent's contract."""
    roster = session.get(m.Roster, planned.roster_id)
    assert roster.status == "published" and roster.version == 1
    problem = stored_problem(session, roster)
    stored = load_roster(session, roster.id)
    assert stored.shifts, "a week's roster must schedule someone"
    assert validate(problem, stored) == []


def test_requirement_follows_the_forecast(session, planned) -> None:  # noqa: ANN001
    """Queues need agents while open and none while closed (night)."""
    roster = session.get(m.Roster, planned.roster_id)
    rows = session.exec(
        select(m.RequirementInterval).where(
            m.RequirementInterval.requirement_id == roster.requirement_id
        )
    ).all()
    grid = grid_of(roster)
    by_hour: dict[int, int] = {}
    for row in rows:
        local_hour = grid.local(grid.index_of(_aware(row.interval_start))).hour
        by_hour[local_hour] = by_hour.get(local_hour, 0) + row.required_agents
    assert by_hour.get(3, 0) == 0, "nobody is needed at 03:00"
    assert by_hour.get(10, 0) > 0, "someone is needed at 10:00"


def _aware(stored: datetime) -> datetime:
    """A stored instant as aware UTC (SQLite returns it naive)."""
    return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored


def test_agent_sees_own_published_shifts_in_helsinki_time(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """An agent's page lists each of their shifts with local start and end and their clients."""
    shift = session.exec(
        select(m.Shift).where(m.Shift.roster_id == planned.roster_id).order_by(m.Shift.start)
    ).first()
    user = user_of(session, "agent", agent_id=shift.agent_id)
    response = auth.login(user.username, _password(planned, user.username))
    assert response.status_code == 302
    page = client.get(response.headers["Location"], follow_redirects=True)
    text = page.get_data(as_text=True)
    grid = grid_of(session.get(m.Roster, planned.roster_id))
    start = _aware(shift.start).astimezone(grid.zone)
    end = _aware(shift.end).astimezone(grid.zone)
    assert f"{start:%H:%M}–{end:%H:%M}" in text
    assert "meal break" in text or (shift.end - shift.start) <= timedelta(hours=6)
    activity = session.exec(select(m.Activity).where(m.Activity.shift_id == shift.id)).first()
    queue = session.get(m.Queue, activity.queue_id)
    assert session.get(m.Client, queue.client_id).name in text


def test_coordinator_sees_every_agent_and_the_coverage(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """The week table lists every agent; the coverage page draws one chart per queue."""
    user = user_of(session, "coordinator")
    auth.login(user.username, _password(planned, user.username))
    table = client.get("/coordinator/roster").get_data(as_text=True)
    assert "published" in table
    for agent in session.exec(select(m.Agent)).all():
        assert agent.name in table
    coverage = client.get("/coordinator/coverage").get_data(as_text=True)
    queues = session.exec(select(m.Queue)).all()
    emails = [q for q in queues if q.channel == "email"]
    assert emails, "the small world has email queues"
    assert coverage.count("<svg") == len(queues) + len(emails)  # email queues: a backlog too


def test_coordinator_roster_explains_each_shortfall_and_shows_bound_and_gap(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Every short period of the roster is listed with its reason; bound and gap are shown."""
    roster = session.get(m.Roster, planned.roster_id)
    notes = shortfall_notes(session, roster)
    user = user_of(session, "coordinator")
    auth.login(user.username, _password(planned, user.username))
    page = client.get("/coordinator/roster").get_data(as_text=True)
    assert "Shortfalls" in page
    if notes:
        assert html.escape(notes[0]) in page and "certified agent" in notes[0]
    else:
        assert "Every queue is covered" in page
    if roster.best_bound > 0:
        assert "gap" in page and f"bound {roster.best_bound:.0f}" in page
    else:
        assert "no proven bound" in page


def test_publishing_a_new_draft_supersedes_the_old_version(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Publishing keeps the old version (superseded) and numbers the new one."""
    old = session.get(m.Roster, planned.roster_id)
    same = SolveResult(load_roster(session, old.id), "OPTIMAL", 0.0, 0.0, 0.0)
    draft = save_draft(session, same, requirement_id=old.requirement_id, grid=grid_of(old))
    session.commit()
    user = user_of(session, "coordinator")
    auth.login(user.username, _password(planned, user.username))
    token = auth.csrf_token(f"/coordinator/roster?roster={draft.id}")
    response = client.post(f"/coordinator/rosters/{draft.id}/publish", data={"csrf_token": token})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(m.Roster, draft.id).status == "published"
    assert session.get(m.Roster, draft.id).version == 2
    assert session.get(m.Roster, old.id).status == "superseded"
    again = client.post(f"/coordinator/rosters/{old.id}/publish", data={"csrf_token": token})
    assert again.status_code == 303
    session.expire_all()
    assert session.get(m.Roster, old.id).status == "superseded", "only drafts can be published"


def test_only_a_draft_can_be_published(session, planned) -> None:  # noqa: ANN001
    """publish() refuses a roster that is already published."""
    with pytest.raises(PublishError):
        publish(session, planned.roster_id)


def test_a_draft_breaking_hard_rules_is_not_published(session, planned) -> None:  # noqa: ANN001
    """An empty draft leaves full-time agents under their contract minimum: refused."""
    old = session.get(m.Roster, planned.roster_id)
    draft = m.Roster(start_day=old.start_day, days=old.days,
                     interval_minutes=old.interval_minutes, requirement_id=old.requirement_id)
    session.add(draft)
    session.commit()
    with pytest.raises(PublishError, match="hard rules"):
        publish(session, draft.id)
