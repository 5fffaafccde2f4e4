"""Who may open what: agents see only their own shifts, clients only their own coverage."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from tests.web.conftest import user_of
from web import models as m


def _password(planned, username: str) -> str:  # noqa: ANN001
    """The demo password of a user in the small world."""
    return next(u.password for u in planned.world.users if u.username == username)


def _login(auth, planned, user: m.User):  # noqa: ANN001, ANN201
    """Log a stored user in with their demo password."""
    response = auth.login(user.username, _password(planned, user.username))
    assert response.status_code == 302, "demo login must work"
    return response


def test_anonymous_users_are_sent_to_login(client) -> None:  # noqa: ANN001
    """Every page but login asks an anonymous visitor to log in."""
    for path in ("/coordinator/roster", "/coordinator/coverage", "/my/shifts", "/client"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_wrong_password_is_refused(client, auth, session) -> None:  # noqa: ANN001
    """A wrong password does not log in."""
    user = user_of(session, "coordinator")
    assert auth.login(user.username, "not-the-password").status_code == 401
    assert client.get("/coordinator/roster").status_code == 302


def test_login_form_requires_csrf_token(client, session, planned) -> None:  # noqa: ANN001
    """A login post without the CSRF token is rejected."""
    user = user_of(session, "coordinator")
    data = {"username": user.username, "password": _password(planned, user.username)}
    assert client.post("/login", data=data).status_code == 400


def test_agent_cannot_open_another_agents_shifts(client, auth, session, planned) -> None:  # noqa: ANN001
    """An agent gets 403 on a colleague's schedule, 200 on their own."""
    agents = session.exec(select(m.Agent).order_by(m.Agent.id)).all()
    me, other = agents[0], agents[1]
    _login(auth, planned, user_of(session, "agent", agent_id=me.id))
    assert client.get(f"/agents/{me.key}/shifts").status_code == 200
    response = client.get(f"/agents/{other.key}/shifts")
    assert response.status_code == 403
    assert other.name not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/coordinator/roster", "/coordinator/coverage", "/client"])
def test_agent_cannot_open_coordinator_or_client_pages(client, auth, session, planned, path) -> None:  # noqa: ANN001, E501
    """Agents are kept out of other roles' pages."""
    _login(auth, planned, user_of(session, "agent"))
    assert client.get(path).status_code == 403


def test_client_cannot_open_another_clients_coverage(client, auth, session, planned) -> None:  # noqa: ANN001
    """A client gets 403 on another client's coverage, and sees only its own queues."""
    clients = session.exec(select(m.Client).order_by(m.Client.id)).all()
    mine, other = clients[0], clients[1]
    _login(auth, planned, user_of(session, "client", client_id=mine.id))
    own = client.get(f"/clients/{mine.key}/coverage")
    assert own.status_code == 200
    page = own.get_data(as_text=True)
    for queue in session.exec(select(m.Queue)).all():
        if queue.client_id == other.id:
            assert queue.name not in page, "another client's queue leaked"
    assert client.get(f"/clients/{other.key}/coverage").status_code == 403


@pytest.mark.parametrize("path", ["/coordinator/roster", "/my/shifts"])
def test_client_cannot_open_coordinator_or_agent_pages(client, auth, session, planned, path) -> None:  # noqa: ANN001, E501
    """Clients are kept out of other roles' pages."""
    _login(auth, planned, user_of(session, "client"))
    assert client.get(path).status_code == 403


def test_client_cannot_open_any_agents_shifts(client, auth, session, planned) -> None:  # noqa: ANN001
    """Agents' schedules are not for clients."""
    agent = session.exec(select(m.Agent)).first()
    _login(auth, planned, user_of(session, "client"))
    assert client.get(f"/agents/{agent.key}/shifts").status_code == 403


def test_unknown_agent_and_client_are_404_for_coordinators(client, auth, session, planned) -> None:  # noqa: ANN001
    """A coordinator asking for a nonexistent agent or client gets 404."""
    _login(auth, planned, user_of(session, "coordinator"))
    assert client.get("/agents/nobody/shifts").status_code == 404
    assert client.get("/clients/nobody/coverage").status_code == 404


def test_routes_without_a_rule_are_not_public(app) -> None:  # noqa: ANN001
    """Every GET route in the URL map except login and static demands a login."""
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "auth.login"):
            continue
        if "<token>" in rule.rule:  # a calendar feed: the token is the credential
            assert client.get(rule.rule.replace("<token>", "guess")).status_code == 404
            continue
        path = re.sub(r"<(?:int:)?[a-z_]+>", "1", rule.rule)
        response = client.get(path)
        assert response.status_code in (302, 401, 403), f"{path} is open to anonymous users"
        if response.status_code == 302:
            assert "/login" in response.headers["Location"] or path == "/"


def test_publish_needs_csrf_token(client, auth, session, planned) -> None:  # noqa: ANN001
    """A publish post without the CSRF token is rejected."""
    _login(auth, planned, user_of(session, "coordinator"))
    assert client.post(f"/coordinator/rosters/{planned.roster_id}/publish").status_code == 400


def test_pages_cannot_be_framed_or_run_foreign_scripts(client) -> None:  # noqa: ANN001
    """Clickjacking and script injection defences are on every response."""
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_logout_ends_the_session(client, auth, session, planned) -> None:  # noqa: ANN001
    """After logout the same client is sent back to login."""
    _login(auth, planned, user_of(session, "coordinator"))
    assert client.get("/coordinator/roster").status_code == 200
    token = auth.csrf_token("/coordinator/roster")
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/coordinator/roster").status_code == 302
