"""Inputs the fuzzer found mishandled: each now gets a clear answer and writes nothing wrong."""

from __future__ import annotations

from io import BytesIO

from tests.web.conftest import user_of

from .snapshots import snapshot


def _login_coordinator(auth, session, planned) -> None:  # noqa: ANN001
    """Log in as a coordinator."""
    user = user_of(session, "coordinator")
    password = next(u.password for u in planned.world.users if u.username == user.username)
    assert auth.login(user.username, password).status_code == 302


def _upload(client, auth, data: bytes):  # noqa: ANN001, ANN202
    """Post bytes to the history upload form."""
    return client.post("/coordinator/history", content_type="multipart/form-data", data={
        "csrf_token": auth.csrf_token("/coordinator/history"),
        "history": (BytesIO(data), "history.csv")})


HEADER = b"interval_start,client,channel,language,contacts,aht_seconds\n"


def test_one_row_per_queue_is_imported_not_a_server_error(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Several queues with one interval each: nothing tells the interval; taken as 30 min."""
    _login_coordinator(auth, session, planned)
    data = HEADER + (b"2026-11-19T09:00:00+02:00,webshop,email,fi,34,\n"
                     b"2026-11-19T09:00:00+02:00,telco,voice,fi,1,331\n")
    response = _upload(client, auth, data)
    assert response.status_code == 303
    assert "Imported 2 intervals for 2 queues" in client.get("/coordinator/history").get_data(
        as_text=True)


def test_intervals_that_do_not_add_up_are_refused_saying_so(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """20-minute history cannot become 30-minute intervals: a 400 naming the column."""
    _login_coordinator(auth, session, planned)
    before = snapshot(session)
    data = HEADER + b"".join(
        f"2026-11-19T09:{m:02d}:00+02:00,telco,voice,fi,5,300\n".encode() for m in (0, 20, 40))
    response = _upload(client, auth, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "column &#39;interval_start&#39;: history has 20-minute intervals" in page
    assert snapshot(session) == before


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """A Latin-1 byte on line 3: a 400 saying which line and how to save the file."""
    _login_coordinator(auth, session, planned)
    before = snapshot(session)
    data = HEADER + b"2026-11-19T09:00:00+02:00,telco,voice,fi,5,300\n" + \
        "2026-11-19T09:30:00+02:00,telco\xe4,voice,fi,5,300\n".encode("latin-1")
    page = _upload(client, auth, data).get_data(as_text=True)
    assert "line 3: the file is not UTF-8 text (byte 0xe4)" in page
    assert "codec" not in page
    assert snapshot(session) == before


def test_plan_form_says_which_field_is_wrong_in_words(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Empty or non-numeric fields get a sentence, not Python's exception text; no job."""
    _login_coordinator(auth, session, planned)
    before = snapshot(session)
    monday = planned.world.start_day.isoformat()
    for form, message in (
        ({"start_day": "", "days": "7", "time_limit_seconds": "60"}, "must be a date"),
        ({"start_day": monday, "days": "a week", "time_limit_seconds": "60"}, "whole number"),
        ({"start_day": monday, "days": "7", "time_limit_seconds": ""}, "number of seconds"),
        ({"start_day": monday, "days": "7", "time_limit_seconds": "nan"}, "number of seconds"),
    ):
        token = auth.csrf_token("/coordinator/plan")
        page = client.post("/coordinator/plan", data=form | {"csrf_token": token},
                           follow_redirects=True).get_data(as_text=True)
        assert message in page and "invalid literal" not in page and "isoformat" not in page
    assert snapshot(session) == before


def test_ids_too_large_for_the_database_are_not_found(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """An id past a 32-bit column is a 404 everywhere (PostgreSQL used to answer 500)."""
    _login_coordinator(auth, session, planned)
    huge = 2**40
    token = auth.csrf_token("/coordinator/plan")
    assert client.get(f"/coordinator/roster?roster={huge}").status_code == 404
    assert client.get(f"/coordinator/jobs/{huge}").status_code == 404
    for path in (f"/coordinator/rosters/{huge}/publish", f"/coordinator/requests/{huge}/answer",
                 f"/coordinator/forecast/overrides/{huge}/withdraw",
                 f"/coordinator/jobs/{huge}/cancel"):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path
