"""Time off through the JSON API: agents ask and follow, coordinators list; others are refused."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from tests.web.conftest import TODAY, user_of
from web import models as m
from web.api_tokens import issue_token


def _bearer(session, user: m.User) -> dict[str, str]:  # noqa: ANN001
    """An Authorization header with a fresh token of the user."""
    _, secret = issue_token(session, user_id=user.id, name="test")
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _count(session) -> int:  # noqa: ANN001
    """Stored time-off requests."""
    return session.exec(select(func.count()).select_from(m.TimeOffRequest)).one()


def test_agent_asks_for_time_off_and_sees_it(client, session) -> None:  # noqa: ANN001
    """201 with the stored request; it appears in the agent's list and the coordinators'."""
    agent_user = user_of(session, "agent")
    headers = _bearer(session, agent_user)
    first = (TODAY + timedelta(days=10)).isoformat()
    last = (TODAY + timedelta(days=12)).isoformat()
    response = client.post("/api/v1/my/time-off", headers=headers,
                           json={"first_day": first, "last_day": last, "reason": "family"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["first_day"], body["last_day"], body["status"]) == (first, last, "requested")
    mine = client.get("/api/v1/my/time-off", headers=headers).get_json()["requests"]
    assert [r["id"] for r in mine] == [body["id"]]
    coordinator = _bearer(session, user_of(session, "coordinator"))
    listed = client.get("/api/v1/time-off-requests?status=requested",
                        headers=coordinator).get_json()["requests"]
    assert [r["agent"] for r in listed] == [body["agent"]]


def test_bad_time_off_is_refused_with_the_field_and_nothing_stored(client, session) -> None:  # noqa: ANN001, E501
    """Past, backwards, too long, unknown fields, malformed dates: 400 naming the field."""
    headers = _bearer(session, user_of(session, "agent"))
    day = TODAY + timedelta(days=3)
    for body, field in (
        ({"first_day": (TODAY - timedelta(days=1)).isoformat(), "last_day": day.isoformat()},
         "first_day"),
        ({"first_day": day.isoformat(), "last_day": (day - timedelta(days=1)).isoformat()},
         "last_day"),
        ({"first_day": day.isoformat(), "last_day": "2026-13-01"}, "last_day"),
        ({"first_day": day.isoformat(), "last_day": day.isoformat(), "why": "x"}, "why"),
        ({"first_day": day.isoformat()}, "last_day"),
    ):
        response = client.post("/api/v1/my/time-off", headers=headers, json=body)
        assert response.status_code == 400, body
        assert response.get_json()["field"] == field, (body, response.get_json())
    assert _count(session) == 0


def test_only_agents_ask_and_only_coordinators_list_everyone(client, session) -> None:  # noqa: ANN001
    """A client cannot ask for time off; agents and clients cannot list everyone's."""
    body = {"first_day": TODAY.isoformat(), "last_day": TODAY.isoformat()}
    client_headers = _bearer(session, user_of(session, "client"))
    assert client.post("/api/v1/my/time-off", headers=client_headers,
                       json=body).status_code == 403
    for user in (user_of(session, "client"), user_of(session, "agent")):
        assert client.get("/api/v1/time-off-requests",
                          headers=_bearer(session, user)).status_code == 403
    assert client.get("/api/v1/my/time-off").status_code == 401
    assert _count(session) == 0
