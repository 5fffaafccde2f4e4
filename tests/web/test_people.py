"""Coordinators manage agents and logins; agents ask for time off, which binds the next plan."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import func, select

from scheduler.validate import validate
from tests.web.conftest import TODAY, user_of
from web import models as m
from web.planning import load_roster, stored_problem
from web.replanning import replan_published


def _password(planned, username: str) -> str:  # noqa: ANN001
    """The demo password of a user in the small world."""
    return next(u.password for u in planned.world.users if u.username == username)


def _login(auth, planned, user: m.User):  # noqa: ANN001, ANN201
    """Log a stored user in."""
    response = auth.login(user.username, _password(planned, user.username))
    assert response.status_code == 302
    return response


def _count(session, table) -> int:  # noqa: ANN001
    """Rows in a table."""
    return session.exec(select(func.count()).select_from(table)).one()


def _working_agent_user(session, planned):  # noqa: ANN001, ANN202
    """An agent with a login and shifts in the published roster, and their first shift's day."""
    users = {u.agent_id: u for u in session.exec(select(m.User).where(m.User.role == "agent"))}
    shift = session.exec(select(m.Shift).where(m.Shift.roster_id == planned.roster_id)
                         .order_by(m.Shift.start)).all()
    first = next(s for s in shift if s.agent_id in users)
    return users[first.agent_id], first.day


def test_time_off_request_answer_and_the_next_replan_honours_it(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Agent asks → coordinator sees the clash, approves → a re-plan gives no shift that day."""
    user, day = _working_agent_user(session, planned)
    _login(auth, planned, user)
    token = auth.csrf_token("/my/time-off")
    for bad in ({"first_day": (TODAY - timedelta(days=1)).isoformat(), "last_day": day},
                {"first_day": day.isoformat(), "last_day": (day - timedelta(days=1)).isoformat()},
                {"first_day": day.isoformat(), "last_day": (day + timedelta(days=40)).isoformat()}):
        response = client.post("/my/time-off", data={"csrf_token": token, "reason": "x"} | bad)
        assert response.status_code == 400
    assert _count(session, m.TimeOffRequest) == 0
    ok = client.post("/my/time-off", data={"csrf_token": token, "first_day": day.isoformat(),
                                           "last_day": day.isoformat(), "reason": "dentist"})
    assert ok.status_code == 303
    again = client.post("/my/time-off", data={"csrf_token": token, "first_day": day.isoformat(),
                                              "last_day": day.isoformat(), "reason": "again"})
    assert again.status_code == 400 and "already asked" in again.get_data(as_text=True)
    request = session.exec(select(m.TimeOffRequest)).one()
    assert (request.status, request.agent_id) == ("requested", user.agent_id)
    client.post("/logout", data={"csrf_token": token})

    _login(auth, planned, user_of(session, "coordinator"))
    token = auth.csrf_token("/coordinator/time-off")
    inbox = client.get("/coordinator/time-off").get_data(as_text=True)
    assert "dentist" in inbox and f"{day:%a %d.%m.}" in inbox, "the published shift is shown"
    declined = client.post(f"/coordinator/time-off/{request.id}/answer",
                           data={"csrf_token": token, "decision": "declined", "answer": ""})
    assert declined.status_code == 303
    session.refresh(request)
    assert request.status == "requested", "a decline needs a reason"
    approved = client.post(f"/coordinator/time-off/{request.id}/answer",
                           data={"csrf_token": token, "decision": "approved", "answer": "ok"})
    follow = client.get(approved.headers["Location"]).get_data(as_text=True)
    assert "re-plan that roster" in follow
    session.refresh(request)
    assert request.status == "approved" and request.decided_by
    days = session.exec(select(m.TimeOff).where(m.TimeOff.request_id == request.id)).all()
    assert [d.day for d in days] == [day] and days[0].status == "approved"

    draft, plan = replan_published(session, planned.roster_id, time_limit_seconds=5)
    shifts = load_roster(session, draft.id)
    agent_key = session.get(m.Agent, user.agent_id).key
    assert not any(s.agent == agent_key and s.day == day for s in shifts.shifts)
    assert any(c.agent == agent_key and c.day == day and c.after is None for c in plan.changes)
    assert validate(stored_problem(session, draft), shifts) == []

    # published, the agent's page shows what changed since the version before
    assert client.post(f"/coordinator/rosters/{draft.id}/publish", data={
        "csrf_token": token, "lock_version": draft.lock_version}).status_code == 303
    client.post("/logout", data={"csrf_token": token})
    _login(auth, planned, user)
    page = client.get("/my/shifts", follow_redirects=True).get_data(as_text=True)
    notice = page[page.index("Changed since the last publish"):page.index('<ol class="shifts">')]
    assert f"{day:%a %d.%m.}" in notice and "removed" in notice and "(v1 → v2)" in notice


def test_an_agent_withdraws_only_their_own_open_request(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Withdrawing works once for one's own request and is 404 for a colleague's."""
    agents = session.exec(select(m.User).where(m.User.role == "agent").order_by(m.User.id)).all()
    mine = m.TimeOffRequest(agent_id=agents[0].agent_id, first_day=TODAY, last_day=TODAY)
    theirs = m.TimeOffRequest(agent_id=agents[1].agent_id, first_day=TODAY, last_day=TODAY)
    session.add_all([mine, theirs])
    session.commit()
    _login(auth, planned, agents[0])
    token = auth.csrf_token("/my/time-off")
    assert client.post(f"/my/time-off/{theirs.id}/cancel",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"/my/time-off/{mine.id}/cancel",
                       data={"csrf_token": token}).status_code == 303
    session.expire_all()
    assert (session.get(m.TimeOffRequest, mine.id).status,
            session.get(m.TimeOffRequest, theirs.id).status) == ("cancelled", "requested")


def test_coordinator_creates_and_deactivates_logins(client, auth, session, planned, app) -> None:  # noqa: ANN001, E501
    """Bad logins are refused with reasons; a new one works; deactivated it is signed out."""
    coordinator = user_of(session, "coordinator")
    _login(auth, planned, coordinator)
    token = auth.csrf_token("/coordinator/users")
    template = session.exec(select(m.Agent)).first()
    unlinked = m.Agent(key="new-agent", name="New Agent", contract_id=template.contract_id,
                       shift_rule_id=template.shift_rule_id)
    session.add(unlinked)
    session.commit()
    form = {"csrf_token": token, "username": "new.agent", "display_name": "New Agent",
            "role": "agent", "agent": str(unlinked.id), "client": "0",
            "password": "long enough password"}
    before = _count(session, m.User)
    for bad in ({"password": "short"}, {"agent": "0"}, {"username": coordinator.username},
                {"username": "x"}):
        assert client.post("/coordinator/users", data=form | bad).status_code == 400
    assert _count(session, m.User) == before
    assert client.post("/coordinator/users", data=form).status_code == 303
    created = session.exec(select(m.User).where(m.User.username == "new.agent")).one()
    assert created.password_hash != "long enough password" and created.agent_id == unlinked.id

    other = app.test_client()
    page = other.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert other.post("/login", data={"username": "new.agent", "password":
                                      "long enough password", "csrf_token": csrf}
                      ).status_code == 302
    assert other.get("/my/shifts").status_code == 302  # to the agent's own page
    client.post(f"/coordinator/users/{created.id}/active", data={"csrf_token": token,
                                                                  "active": "0"})
    session.refresh(created)
    assert not created.active
    assert "/login" in other.get("/my/shifts").headers["Location"], "signed out at once"
    client.post(f"/coordinator/users/{coordinator.id}/active", data={"csrf_token": token,
                                                                      "active": "0"})
    session.refresh(coordinator)
    assert coordinator.active, "a coordinator cannot lock themself out"


def test_coordinator_edits_skills_and_enters_days_off(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Skills are saved exactly; an active agent without skills is refused; days off added."""
    _login(auth, planned, user_of(session, "coordinator"))
    agent = session.exec(select(m.Agent).order_by(m.Agent.id)).first()
    url = f"/coordinator/agents/{agent.key}"
    token = auth.csrf_token(url)
    queues = session.exec(select(m.Queue).order_by(m.Queue.id)).all()
    form = {"csrf_token": token, "key": agent.key, "name": "Renamed Agent",
            "contract": str(agent.contract_id), "shift_rule": str(agent.shift_rule_id),
            "active": "y"}
    assert client.post(url, data=form).status_code == 400, "active without skills"
    assert client.post(url, data=form | {"skills": [str(queues[0].id), str(queues[2].id)]}
                       ).status_code == 303
    session.expire_all()
    links = session.exec(select(m.AgentSkill).where(m.AgentSkill.agent_id == agent.id)).all()
    assert sorted(link.queue_id for link in links) == [queues[0].id, queues[2].id]
    assert session.get(m.Agent, agent.id).name == "Renamed Agent"
    first = TODAY + timedelta(days=10)
    response = client.post(f"{url}/days-off", data={
        "csrf_token": token, "first_day": first.isoformat(),
        "last_day": (first + timedelta(days=2)).isoformat(), "reason": "sick leave"})
    assert response.status_code == 303
    days = session.exec(select(m.TimeOff).where(m.TimeOff.agent_id == agent.id)).all()
    assert sorted(d.day for d in days) == [first + timedelta(days=i) for i in range(3)]
    client.post(f"{url}/days-off/{days[0].id}/remove", data={"csrf_token": token})
    assert _count(session, m.TimeOff) == 2
