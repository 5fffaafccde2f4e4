"""Coordinators edit contract rules and shift types; the next plan's Problem carries them."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.web.conftest import user_of
from web import models as m
from web.planning import contract as to_contract
from web.planning import shift_rule as to_shift_rule

TYPES = "E; early; 07:00; 08:00; 510; \nL; late; 12:00; 12:00; 360 510; E"


def _login(auth, session, planned, role: str = "coordinator") -> None:  # noqa: ANN001
    """Log in as the first user with a role."""
    user = user_of(session, role)
    password = next(u.password for u in planned.world.users if u.username == user.username)
    assert auth.login(user.username, password).status_code == 302


def _contract_form(auth, row: m.Contract, **changes) -> dict:  # noqa: ANN001
    """The contract form as a browser posts it, with changes."""
    data = {"csrf_token": auth.csrf_token(f"/coordinator/contracts/{row.id}"),
            "min_hours_per_week": "30", "max_hours_per_week": "40", "max_hours_per_day": "8",
            "min_daily_rest_hours": "11", "max_consecutive_days": "5",
            "min_consecutive_days": "2", "min_consecutive_days_off": "2",
            "min_hours_per_period": "0", "max_hours_per_period": "", "max_weekends": "2",
            "max_shifts_per_type": ""}
    data.update(changes)
    return data


def test_coordinator_sees_and_edits_every_rule(client, auth, session, planned) -> None:  # noqa: ANN001
    _login(auth, session, planned)
    rule = session.exec(select(m.ShiftRule)).first()
    page = client.get("/coordinator/contracts/").get_data(as_text=True)
    assert "Days off in a row" in page and "Max shifts per type" in page
    # shift types first, so a contract can limit them
    token = auth.csrf_token(f"/coordinator/contracts/shift-rules/{rule.id}")
    saved = client.post(f"/coordinator/contracts/shift-rules/{rule.id}",
                        data={"csrf_token": token, "shift_types": TYPES})
    assert saved.status_code == 303, saved.get_data(as_text=True)[-1500:]
    session.refresh(rule)
    kinds = to_shift_rule(rule).shift_types
    assert [(t.key, t.earliest_start_minute, t.not_followed_by) for t in kinds] == [
        ("E", 420, ()), ("L", 720, ("E",))]
    row = session.exec(select(m.Contract)).first()
    response = client.post(f"/coordinator/contracts/{row.id}", data=_contract_form(
        auth, row, max_hours_per_period="150", max_shifts_per_type="L=3"))
    assert response.status_code == 303
    session.refresh(row)
    terms = to_contract(row)
    assert (terms.max_consecutive_days, terms.min_consecutive_days,
            terms.min_consecutive_days_off, terms.max_weekends) == (5, 2, 2, 2)
    assert terms.max_minutes_per_period == 150 * 60 and terms.min_minutes_per_week == 1800
    assert terms.max_shifts_per_type == (("L", 3),)
    listing = client.get("/coordinator/contracts/").get_data(as_text=True)
    assert "L ≤ 3" in listing and "not followed by E" in listing


@pytest.mark.parametrize(("changes", "message"), [
    ({"max_shifts_per_type": "night=x"}, "is not type=count"),
    ({"max_shifts_per_type": "night=4"}, "is no shift type of any shift rule"),
    ({"min_consecutive_days": "0"}, "Min working days in a row"),
    ({"min_hours_per_period": "40", "max_hours_per_period": "20"}, "period maximum below"),
    ({"max_hours_per_week": "20"}, "must not be below the weekly minimum"),
])
def test_bad_contract_input_is_refused_and_nothing_saved(client, auth, session, planned,  # noqa: ANN001
                                                         changes, message) -> None:
    _login(auth, session, planned)
    row = session.exec(select(m.Contract)).first()
    before = to_contract(row)
    response = client.post(f"/coordinator/contracts/{row.id}",
                           data=_contract_form(auth, row, **changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    session.refresh(row)
    assert to_contract(row) == before


@pytest.mark.parametrize(("types", "message"), [
    ("E; early; 03:00; 03:00; 510; ", "starts outside shift rule"),
    ("E; early; 07:00; 08:00; 480; ", "has lengths shift rule"),
    ("E; early; 7:00; 08:00; 480", "write key; name"),
    ("E; early; 07:75; 08:00; 480; ", "is not a time"),
    ("E; early; 07:00; 08:00; 510; N", "unknown types"),
])
def test_bad_shift_types_are_refused(client, auth, session, planned, types, message) -> None:  # noqa: ANN001
    _login(auth, session, planned)
    rule = session.exec(select(m.ShiftRule)).first()
    token = auth.csrf_token(f"/coordinator/contracts/shift-rules/{rule.id}")
    response = client.post(f"/coordinator/contracts/shift-rules/{rule.id}",
                           data={"csrf_token": token, "shift_types": types})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    session.refresh(rule)
    assert rule.shift_types == []


@pytest.mark.parametrize("role", ["agent", "client"])
def test_agents_and_clients_get_403(client, auth, session, planned, role) -> None:  # noqa: ANN001
    _login(auth, session, planned, role)
    row = session.exec(select(m.Contract)).first()
    assert client.get("/coordinator/contracts/").status_code == 403
    assert client.get(f"/coordinator/contracts/{row.id}").status_code == 403
    assert client.post(f"/coordinator/contracts/{row.id}",
                       data={"max_weekends": "0"}).status_code in (400, 403)
    session.refresh(row)
    assert row.max_weekends is None


def test_posting_without_csrf_token_is_refused(client, auth, session, planned) -> None:  # noqa: ANN001
    _login(auth, session, planned)
    row = session.exec(select(m.Contract)).first()
    data = _contract_form(auth, row, max_weekends="0")
    del data["csrf_token"]
    assert client.post(f"/coordinator/contracts/{row.id}", data=data).status_code == 400
    session.refresh(row)
    assert row.max_weekends is None
