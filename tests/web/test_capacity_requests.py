"""Clients ask for extra capacity on their own queues; coordinators approve or decline."""

from __future__ import annotations

import threading

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
    page = f"/clients/{client_key}/requests"
    form = {
        "csrf_token": auth.csrf_token(page),
        "submission": auth.hidden_value(page, "submission"),
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


def _log_in_as_client(client, auth, session, planned):  # noqa: ANN001, ANN202
    """Log in as the first client's user; return the client and one of its queues."""
    company, own, _ = _client_and_queue(session)
    user = user_of(session, "client", client_id=company.id)
    auth.login(user.username, _password(planned, user.username))
    return company, own


def test_submitting_the_same_form_twice_files_one_request(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """A double click or a resent page stores one request; the second post says so."""
    company, own = _log_in_as_client(client, auth, session, planned)
    form = _form(auth, company.key, own.key)
    url = f"/clients/{company.key}/requests"
    first = client.post(url, data=form)
    second = client.post(url, data=form, follow_redirects=True)
    assert first.status_code == 303 and second.status_code == 200
    assert "already sent" in second.get_data(as_text=True)
    assert len(session.exec(select(m.CapacityRequest)).all()) == 1
    another = client.post(url, data=_form(auth, company.key, own.key, reason="Second campaign"))
    assert another.status_code == 303, "a newly rendered form files a new request"
    assert len(session.exec(select(m.CapacityRequest)).all()) == 2


def test_same_form_posted_at_once_from_many_tabs_files_one_request(app, client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Ten simultaneous posts of one rendered form (own sessions each): one request stored."""
    company, own = _log_in_as_client(client, auth, session, planned)
    submission = auth.hidden_value(f"/clients/{company.key}/requests", "submission")
    user = user_of(session, "client", client_id=company.id)
    tabs = []
    for _ in range(10):
        tab = app.test_client()
        tab_auth = type(auth)(tab)
        tab_auth.login(user.username, _password(planned, user.username))
        tabs.append((tab, _form(tab_auth, company.key, own.key) | {"submission": submission}))
    start = threading.Barrier(len(tabs))
    statuses: list[int] = []

    def post(tab, form) -> None:  # noqa: ANN001
        start.wait()
        statuses.append(tab.post(f"/clients/{company.key}/requests", data=form).status_code)

    threads = [threading.Thread(target=post, args=tab) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * len(tabs)
    session.expire_all()
    stored = session.exec(select(m.CapacityRequest)).all()
    assert len(stored) == 1 and stored[0].idempotency_key == f"form:{submission}"


def test_a_form_without_its_submission_token_is_refused(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """A post missing or forging the one-time token is a 400 asking to reload; nothing stored."""
    company, own = _log_in_as_client(client, auth, session, planned)
    url = f"/clients/{company.key}/requests"
    for token in ("", "short", "x" * 200, "<script>alert(1)</script>aaaaaaaaaa"):
        response = client.post(url, data=_form(auth, company.key, own.key, submission=token))
        assert response.status_code == 400
        assert "reload the page" in response.get_data(as_text=True)
    assert session.exec(select(m.CapacityRequest)).all() == []
