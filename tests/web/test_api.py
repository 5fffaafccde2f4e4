"""The JSON API: each endpoint's answer, its access rules, and refusals of bad input."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import func, select

from tests.web.conftest import TODAY, user_of
from web import models as m
from web.api_tokens import issue_token, token_digest

DAY = (TODAY + timedelta(days=2)).isoformat()


def _token(session, user: m.User) -> str:  # noqa: ANN001
    """A fresh API token for a user."""
    _, secret = issue_token(session, user_id=user.id, name="test")
    session.commit()
    return secret


def _bearer(token: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


def _two_clients(session):  # noqa: ANN001, ANN202
    """Two client companies, each with its first queue."""
    clients = session.exec(select(m.Client).order_by(m.Client.id)).all()
    queues = [
        session.exec(select(m.Queue).where(m.Queue.client_id == c.id).order_by(m.Queue.id)).first()
        for c in clients[:2]
    ]
    return clients[:2], queues


def _request_body(queue_key: str, **changes) -> dict:  # noqa: ANN003
    """A valid capacity request body, with changes."""
    body = {
        "queue": queue_key,
        "start": f"{DAY}T09:00:00+02:00",
        "end": f"{DAY}T15:00:00+02:00",
        "extra_agents": 2,
        "reason": "Campaign",
    }
    body.update(changes)
    return body


def _request_count(session) -> int:  # noqa: ANN001
    """Capacity requests stored."""
    session.expire_all()
    return session.exec(select(func.count()).select_from(m.CapacityRequest)).one()


def test_me_names_the_tokens_user(client, session) -> None:  # noqa: ANN001
    """/me answers who the token belongs to, with the agent's or client's key."""
    for role in ("coordinator", "agent", "client"):
        user = user_of(session, role)
        body = client.get("/api/v1/me", headers=_bearer(_token(session, user))).get_json()
        assert (body["username"], body["role"]) == (user.username, role)
        assert (body["agent"] is not None) == (role == "agent")
        assert (body["client"] is not None) == (role == "client")


def test_coordinator_lists_rosters_and_reads_one_in_utc(client, session, planned) -> None:  # noqa: ANN001
    """Rosters with status, version and period; one roster's shifts, breaks and activities."""
    headers = _bearer(_token(session, user_of(session, "coordinator")))
    listed = client.get("/api/v1/rosters", headers=headers).get_json()["rosters"]
    mine = next(r for r in listed if r["id"] == planned.roster_id)
    assert (mine["status"], mine["version"], mine["days"]) == ("published", 1, 7)
    assert mine["published_at"].endswith("Z")

    roster = client.get(f"/api/v1/rosters/{planned.roster_id}", headers=headers).get_json()
    shifts = roster["shifts"]
    stored = session.exec(select(m.Shift).where(m.Shift.roster_id == planned.roster_id)).all()
    assert len(shifts) == len(stored) > 0
    assert all(s["start"].endswith("Z") and s["start"] < s["end"] for s in shifts)
    assert any(s["breaks"] for s in shifts)
    activity = next(a for s in shifts for a in s["activities"])
    assert {"queue", "client", "channel", "start", "end"} <= set(activity)
    for path in ("/api/v1/rosters/999999", f"/api/v1/rosters/{2**63}"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404
        assert response.get_json()["error"]


def test_agent_reads_own_shifts_from_today(client, session) -> None:  # noqa: ANN001
    """An agent's published shifts from today, with client and channel per work block."""
    shift = session.exec(select(m.Shift).where(m.Shift.day >= TODAY)).first()
    agent = session.get(m.Agent, shift.agent_id)
    headers = _bearer(_token(session, user_of(session, "agent", agent_id=agent.id)))
    body = client.get("/api/v1/my/shifts", headers=headers).get_json()
    assert body["agent"] == agent.key
    assert body["shifts"] and all(s["day"] >= TODAY.isoformat() for s in body["shifts"])
    blocks = [b for s in body["shifts"] for b in s["blocks"]]
    work = [b for b in blocks if b["kind"] == "work"]
    assert work and all(b["queue"] and b["client_name"] and b["channel"] for b in work)
    same = client.get(f"/api/v1/agents/{agent.key}/shifts", headers=headers).get_json()
    assert same == body


def test_agent_is_refused_another_agents_shifts_and_other_roles_data(client, session) -> None:  # noqa: ANN001
    """An agent gets 403 on a colleague's shifts, rosters and coverage."""
    me, other = session.exec(select(m.Agent).order_by(m.Agent.id)).all()[:2]
    headers = _bearer(_token(session, user_of(session, "agent", agent_id=me.id)))
    company = _two_clients(session)[0][0]
    for path in (
        f"/api/v1/agents/{other.key}/shifts",
        "/api/v1/rosters",
        "/api/v1/rosters/1",
        f"/api/v1/clients/{company.key}/coverage",
        f"/api/v1/clients/{company.key}/capacity-requests",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 403, path
        assert other.name not in response.get_data(as_text=True)
    assert client.get("/api/v1/agents/nobody/shifts", headers=headers).status_code == 404


def test_client_sees_only_its_own_coverage(client, session) -> None:  # noqa: ANN001
    """Required vs scheduled per queue and interval for the client's own queues only."""
    (mine, other), _ = _two_clients(session)
    headers = _bearer(_token(session, user_of(session, "client", client_id=mine.id)))
    body = client.get(f"/api/v1/clients/{mine.key}/coverage", headers=headers).get_json()
    own_queues = session.exec(select(m.Queue).where(m.Queue.client_id == mine.id)).all()
    assert {q["queue"] for q in body["queues"]} == {q.key for q in own_queues}
    assert body["roster"]["status"] == "published"
    intervals = body["queues"][0]["intervals"]
    assert len(intervals) == 7 * 48
    assert sum(i["required"] for q in body["queues"] for i in q["intervals"]) > 0
    assert sum(i["scheduled"] for q in body["queues"] for i in q["intervals"]) > 0
    refused = client.get(f"/api/v1/clients/{other.key}/coverage", headers=headers)
    assert refused.status_code == 403
    for queue in session.exec(select(m.Queue).where(m.Queue.client_id == other.id)):
        assert queue.key not in refused.get_data(as_text=True)
    assert client.get(f"/api/v1/clients/{other.key}/capacity-requests",
                      headers=headers).status_code == 403
    assert client.get("/api/v1/rosters", headers=headers).status_code == 403
    assert client.get("/api/v1/my/shifts", headers=headers).status_code == 403
    assert client.get("/api/v1/clients/nobody/coverage", headers=headers).status_code == 404


def test_coordinator_sees_any_clients_coverage(client, session) -> None:  # noqa: ANN001
    """Coordinators read every client's coverage."""
    headers = _bearer(_token(session, user_of(session, "coordinator")))
    for company in _two_clients(session)[0]:
        response = client.get(f"/api/v1/clients/{company.key}/coverage", headers=headers)
        assert response.status_code == 200
        assert response.get_json()["client"] == company.key


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer vuoro_not-a-real-token"},
        {"Authorization": "Bearer \u00e4\u00e4"},
    ],
)
def test_missing_or_bad_token_is_401(client, headers) -> None:  # noqa: ANN001
    """Without a valid bearer token every endpoint answers 401 in JSON."""
    for path in ("/api/v1/me", "/api/v1/rosters", "/api/v1/my/shifts",
                 "/api/v1/clients/webshop/coverage", "/api/v1/openapi.json"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401, path
        assert response.get_json()["error"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_session_cookie_does_not_authenticate_api_writes(client, auth, session, planned) -> None:  # noqa: ANN001
    """A page login does not open the API (it has no CSRF protection, so cookies must not)."""
    (mine, _), (queue, _) = _two_clients(session)
    user = user_of(session, "client", client_id=mine.id)
    password = next(u.password for u in planned.world.users if u.username == user.username)
    auth.login(user.username, password)
    response = client.post(f"/api/v1/clients/{mine.key}/capacity-requests",
                           json=_request_body(queue.key))
    assert response.status_code == 401
    assert _request_count(session) == 0
    assert client.get("/api/v1/openapi.json").status_code == 200, "the document is for users"


def test_revoked_token_and_deactivated_user_are_401(client, session) -> None:  # noqa: ANN001
    """A revoked token stops working at once, as does any token of a deactivated user."""
    user = user_of(session, "coordinator")
    row, secret = issue_token(session, user_id=user.id, name="script")
    session.commit()
    assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 200
    row.revoked_at = m.utcnow()
    session.add(row)
    session.commit()
    assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 401

    agent = user_of(session, "agent")
    secret = _token(session, agent)
    agent.active = False
    session.add(agent)
    session.commit()
    assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 401


def test_tokens_are_stored_as_sha256_only(session) -> None:  # noqa: ANN001
    """The database never holds the token itself."""
    row, secret = issue_token(session, user_id=user_of(session, "agent").id, name="phone")
    session.commit()
    assert row.token_sha256 == token_digest(secret) != secret
    assert secret.startswith(row.prefix) and len(row.prefix) < len(secret) // 3
    stored = [str(v) for v in row.model_dump().values()]
    assert secret not in stored


def test_token_page_makes_and_revokes_tokens(client, auth, session, planned) -> None:  # noqa: ANN001
    """A user makes a token on the page, it works, and revoking it on the page ends it."""
    user = user_of(session, "client")
    password = next(u.password for u in planned.world.users if u.username == user.username)
    auth.login(user.username, password)
    csrf = auth.csrf_token("/account/api-tokens")
    assert client.post("/account/api-tokens", data={"name": "x"}).status_code == 400, "no CSRF"
    page = client.post("/account/api-tokens", data={"name": "reports", "csrf_token": csrf})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    start = html.index('value="vuoro_') + len('value="')
    secret = html[start : html.index('"', start)]
    assert client.get("/api/v1/me", headers=_bearer(secret)).get_json()["username"] == user.username
    row = session.exec(select(m.ApiToken).where(m.ApiToken.user_id == user.id)).one()

    other = user_of(session, "agent")
    _, others_secret = issue_token(session, user_id=other.id, name="theirs")
    session.commit()
    others_row = session.exec(select(m.ApiToken).where(m.ApiToken.user_id == other.id)).one()
    refused = client.post(f"/account/api-tokens/{others_row.id}/revoke",
                          data={"csrf_token": csrf})
    assert refused.status_code == 403
    assert client.get("/api/v1/me", headers=_bearer(others_secret)).status_code == 200

    client.post(f"/account/api-tokens/{row.id}/revoke", data={"csrf_token": csrf})
    assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 401


def test_coordinator_revokes_anyones_token(client, auth, session, planned) -> None:  # noqa: ANN001
    """A coordinator sees every active token and can revoke a leaked one."""
    agent = user_of(session, "agent")
    row, secret = issue_token(session, user_id=agent.id, name="leaked")
    session.commit()
    coordinator = user_of(session, "coordinator")
    password = next(u.password for u in planned.world.users if u.username == coordinator.username)
    auth.login(coordinator.username, password)
    page = client.get("/account/api-tokens").get_data(as_text=True)
    assert "leaked" in page and agent.username in page
    csrf = auth.csrf_token("/account/api-tokens")
    response = client.post(f"/account/api-tokens/{row.id}/revoke", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 401


def test_client_files_a_capacity_request_and_lists_it(client, session) -> None:  # noqa: ANN001
    """A valid POST makes one open request; GET lists it; the coordinator sees it too."""
    (mine, _), (queue, _) = _two_clients(session)
    user = user_of(session, "client", client_id=mine.id)
    headers = _bearer(_token(session, user))
    path = f"/api/v1/clients/{mine.key}/capacity-requests"
    response = client.post(path, json=_request_body(queue.key), headers=headers)
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert (made["queue"], made["status"], made["extra_agents"]) == (queue.key, "open", 2)
    assert made["start"] == f"{DAY}T07:00:00Z"
    stored = session.get(m.CapacityRequest, made["id"])
    assert (stored.client_id, stored.created_by) == (mine.id, user.id)
    assert client.get(path, headers=headers).get_json()["requests"] == [made]
    coordinator = _bearer(_token(session, user_of(session, "coordinator")))
    assert client.get(path, headers=coordinator).get_json()["requests"] == [made]


def test_repeated_post_with_idempotency_key_returns_the_first(client, session) -> None:  # noqa: ANN001
    """The same Idempotency-Key returns the first request; another body under it is 422."""
    (mine, _), (queue, _) = _two_clients(session)
    headers = _bearer(_token(session, user_of(session, "client", client_id=mine.id)))
    headers["Idempotency-Key"] = "3f1c6c1e-7b7a-4d8e-9c39-1d1e4f0a0b1c"
    path = f"/api/v1/clients/{mine.key}/capacity-requests"
    first = client.post(path, json=_request_body(queue.key), headers=headers)
    again = client.post(path, json=_request_body(queue.key), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _request_count(session) == 1
    changed = client.post(path, json=_request_body(queue.key, extra_agents=5), headers=headers)
    assert changed.status_code == 422
    assert changed.get_json()["field"] == "Idempotency-Key"
    headers["Idempotency-Key"] = "another-key"
    assert client.post(path, json=_request_body(queue.key), headers=headers).status_code == 201
    assert _request_count(session) == 2


def test_capacity_request_access_rules(client, session) -> None:  # noqa: ANN001
    """Clients file only for themselves and their own queues; coordinators and agents do not."""
    (mine, other), (queue, other_queue) = _two_clients(session)
    headers = _bearer(_token(session, user_of(session, "client", client_id=mine.id)))
    other_path = f"/api/v1/clients/{other.key}/capacity-requests"
    assert client.post(other_path, json=_request_body(other_queue.key),
                       headers=headers).status_code == 403
    own_path = f"/api/v1/clients/{mine.key}/capacity-requests"
    response = client.post(own_path, json=_request_body(other_queue.key), headers=headers)
    assert (response.status_code, response.get_json()["field"]) == (400, "queue")
    for role in ("coordinator", "agent"):
        headers = _bearer(_token(session, user_of(session, role)))
        assert client.post(own_path, json=_request_body(queue.key),
                           headers=headers).status_code == 403
    assert client.post("/api/v1/clients/nobody/capacity-requests", json={},
                       headers=headers).status_code in (403, 404)
    assert _request_count(session) == 0


BAD_BODIES = [
    ("not json", None),
    ("[1, 2]", None),
    ('"a string"', None),
    ("{}", "queue"),
    ({"queue": 5}, "queue"),
    ({"queue": "no-such-queue"}, "queue"),
    ({"start": None}, "start"),
    ({"start": 1763452800}, "start"),
    ({"start": "tomorrow"}, "start"),
    ({"start": f"{DAY}T09:00:00"}, "start"),
    ({"start": "9999-12-31T23:59:59-23:59"}, "start"),
    ({"end": f"{DAY}T08:00:00+02:00"}, "end"),
    ({"end": f"{DAY}T09:00:00+02:00"}, "end"),
    ({"end": "2027-01-20T09:00:00+02:00"}, "end"),
    ({"start": "2020-01-01T09:00:00Z", "end": "2020-01-01T10:00:00Z"}, "start"),
    ({"extra_agents": "2"}, "extra_agents"),
    ({"extra_agents": True}, "extra_agents"),
    ({"extra_agents": 2.5}, "extra_agents"),
    ({"extra_agents": -1}, "extra_agents"),
    ({"extra_agents": 51}, "extra_agents"),
    ({"extra_agents": 2**70}, "extra_agents"),
    ({"extra_agents": 0}, "extra_agents"),
    ({"extra_contacts_percent": 501}, "extra_contacts_percent"),
    ({"reason": ""}, "reason"),
    ({"reason": "   "}, "reason"),
    ({"reason": 7}, "reason"),
    ({"reason": "x" * 501}, "reason"),
    ({"reason": "nul\u0000byte"}, "reason"),
    ({"reason": "lone \ud800 surrogate"}, "reason"),
    ({"priority": "high"}, "priority"),
]


@pytest.mark.parametrize(("change", "field"), BAD_BODIES)
def test_bad_capacity_request_is_400_and_writes_nothing(client, session, change, field) -> None:  # noqa: ANN001
    """Malformed JSON, wrong types, missing or out-of-range fields: 400 naming the field."""
    (mine, _), (queue, _) = _two_clients(session)
    headers = _bearer(_token(session, user_of(session, "client", client_id=mine.id)))
    headers["Content-Type"] = "application/json"
    body = change if isinstance(change, str) else json.dumps(_request_body(queue.key, **change))
    response = client.post(f"/api/v1/clients/{mine.key}/capacity-requests", data=body,
                           headers=headers)
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()
    assert error["error"] and error["field"] == field
    assert _request_count(session) == 0


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "ä"])
def test_malformed_idempotency_key_is_400(client, session, key) -> None:  # noqa: ANN001
    """An Idempotency-Key must be 1 to 255 visible ASCII characters."""
    (mine, _), (queue, _) = _two_clients(session)
    headers = _bearer(_token(session, user_of(session, "client", client_id=mine.id)))
    headers["Idempotency-Key"] = key
    response = client.post(f"/api/v1/clients/{mine.key}/capacity-requests",
                           json=_request_body(queue.key), headers=headers)
    assert (response.status_code, response.get_json()["field"]) == (400, "Idempotency-Key")
    assert _request_count(session) == 0


def test_unknown_paths_and_methods_answer_in_json(client, session) -> None:  # noqa: ANN001
    """Errors under /api/ are JSON, not HTML pages."""
    headers = _bearer(_token(session, user_of(session, "coordinator")))
    missing = client.get("/api/v1/nothing-here", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]
    wrong = client.delete("/api/v1/rosters", headers=headers)
    assert wrong.status_code == 405 and wrong.get_json()["error"]
    assert client.get("/no-such-page").mimetype == "text/html", "pages keep their errors"
