"""Clients ask for extra capacity on their own queues; coordinators approve or decline."""

from __future__ import annotations

from sqlmodel import select

from tests.web.conftest import TODAY, user_of
from web import models as m


def _password(planned, username: str) -> str:  # noqa: ANN001
    """The demo password of a user in the small world."""
    return next(u.password for u in planned.world.users if u.username == username)


def _client_and_queue(session):  # noqa: ANN001, ANN202
    """A client company with a queue, and another client's queue."""
    clients = session.exec(select(m.Client).order_by(m.Client.id)).all()
    own = session.exec(select(m.Queue).where(m.Queue.client_id == clients[0].id)).first()
    other = session.exec(select(m.Queue).where(m.Queue.client_id == clients[1].id)).first()
    return clients[0], own, other


def _form(auth, client_key: str, queue_key: str, **changes) -> dict:  # noqa: ANN001
    """A valid request form, with changes."""
    form = {
        "csrf_token": auth.csrf_token(f"/clients/{client_key}/requests"),
        "queue": queue_key,
        "day": TODAY.isoformat(),
        "start": "09:00",
        "end": "15:00",
        "extra_agents": "2",
        "extra_contacts_percent": "",
        "reason": "Campaign on Monday",
    }
    form.update(changes)
    return form


def test_client_request_is_stored_and_answered_by_a_coordinator(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """A client files a request; it appears in the inbox; the answer shows to the client."""
    company, own, _ = _client_and_queue(session)
    client_user = user_of(session, "client", client_id=company.id)
    auth.login(client_user.username, _password(planned, client_user.username))
    form = _form(auth, company.key, own.key)
    response = client.post(f"/clients/{company.key}/requests", data=form)
    assert response.status_code == 303
    stored = session.exec(select(m.CapacityRequest)).one()
    assert (stored.queue_id, stored.extra_agents, stored.status) == (own.id, 2, "open")
    assert stored.start.hour == 7  # 09:00 Helsinki in November is 07:00 UTC
    client.post("/logout", data={"csrf_token": auth.csrf_token(f"/clients/{company.key}/requests")})

    coordinator = user_of(session, "coordinator")
    auth.login(coordinator.username, _password(planned, coordinator.username))
    inbox = client.get("/coordinator/requests").get_data(as_text=True)
    assert "Campaign on Monday" in inbox
    token = auth.csrf_token("/coordinator/requests")
    declined_without_reason = client.post(
        f"/coordinator/requests/{stored.id}/answer",
        data={"csrf_token": token, "decision": "declined", "answer": ""},
    )
    assert declined_without_reason.status_code == 303
    session.expire_all()
    assert session.get(m.CapacityRequest, stored.id).status == "open"
    client.post(f"/coordinator/requests/{stored.id}/answer",
                data={"csrf_token": token, "decision": "approved", "answer": "Added two agents"})
    session.expire_all()
    assert session.get(m.CapacityRequest, stored.id).status == "approved"
    again = client.post(f"/coordinator/requests/{stored.id}/answer",
                        data={"csrf_token": token, "decision": "declined", "answer": "no"})
    assert again.status_code == 303
    session.expire_all()
    assert session.get(m.CapacityRequest, stored.id).status == "approved", "answered once only"


def test_bad_request_form_is_refused_and_saves_nothing(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """End before start, nothing asked, or another client's queue: 400/403, no row."""
    company, own, other = _client_and_queue(session)
    user = user_of(session, "client", client_id=company.id)
    auth.login(user.username, _password(planned, user.username))
    url = f"/clients/{company.key}/requests"
    assert client.post(url, data=_form(auth, company.key, own.key, end="08:00")).status_code == 400
    assert client.post(url, data=_form(auth, company.key, own.key, extra_agents="")).status_code == 400  # noqa: E501
    assert client.post(url, data=_form(auth, company.key, own.key, day="31.2.")).status_code == 400
    assert client.post(url, data=_form(auth, company.key, other.key)).status_code == 400
    assert session.exec(select(m.CapacityRequest)).all() == []


def test_client_cannot_see_or_file_another_clients_requests(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Another client's request page is 403 for reading and for posting."""
    clients = session.exec(select(m.Client).order_by(m.Client.id)).all()
    user = user_of(session, "client", client_id=clients[0].id)
    auth.login(user.username, _password(planned, user.username))
    assert client.get(f"/clients/{clients[1].key}/requests").status_code == 403
    token = auth.csrf_token(f"/clients/{clients[0].key}/requests")
    assert client.post(f"/clients/{clients[1].key}/requests",
                       data={"csrf_token": token}).status_code == 403
