"""The Erlang calculator page: coordinators only, CSRF, the CLI's figures, clear input errors."""

from __future__ import annotations

import re

import pytest

from scheduler.erlang_calculator import CalculatorInput, calculate
from tests.web.conftest import user_of

CCH = {"contacts": "100", "interval_minutes": "30", "aht_seconds": "180",
       "target_percent": "80", "answer_seconds": "20", "max_occupancy_percent": "85",
       "shrinkage_percent": "30", "patience_seconds": ""}


def _password(planned, username: str) -> str:  # noqa: ANN001
    """The demo password of a user in the small world."""
    return next(u.password for u in planned.world.users if u.username == username)


@pytest.fixture()
def coordinator(client, auth, session, planned):  # noqa: ANN001, ANN201
    """The test client, logged in as a coordinator."""
    user = user_of(session, "coordinator")
    assert auth.login(user.username, _password(planned, user.username)).status_code == 302
    return client


def _post(client, auth, **changes):  # noqa: ANN001, ANN202
    """Post the calculator form with the CSRF token from the page."""
    data = {**CCH, **changes, "csrf_token": auth.csrf_token("/coordinator/erlang")}
    return client.post("/coordinator/erlang", data=data)


def test_call_centre_helper_example_gives_the_clis_figures(coordinator, auth):  # noqa: ANN001
    response = _post(coordinator, auth)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "14 agents on contacts, 20 scheduled" in page  # published: 14, 20 with 30 %
    assert "88.8 % answered within 20 s" in page and "17.4 %" in page and "71.4 %" in page
    assert "Abandonment" not in page
    expected = calculate(CalculatorInput(100, 30, 180, 0.8, 20, 0.85, 0.3))
    assert f"{expected.asa_seconds:.1f} s" in page


def test_a_patience_switches_to_erlang_a_and_reports_abandonment(coordinator, auth):  # noqa: ANN001
    page = _post(coordinator, auth, patience_seconds="120").get_data(as_text=True)
    expected = calculate(CalculatorInput(100, 30, 180, 0.8, 20, 0.85, 0.3, 120.0))
    assert "Erlang A, mean patience 120 s" in page
    assert f"{expected.raw_agents} agents on contacts, {expected.scheduled_agents} scheduled" \
        in page
    assert f"{100 * expected.abandon_probability:.1f} %" in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("contacts", "-5", "Number must be at least 0"),
    ("contacts", "lots", "Not a valid float value"),
    ("aht_seconds", "0", "must be more than 0"),
    ("target_percent", "100", "must be more than 0 and less than 100"),
    ("max_occupancy_percent", "120", "Number must be between 1 and 100"),
    ("shrinkage_percent", "", "enter the shrinkage"),
    ("patience_seconds", "-1", "must be more than 0"),
])
def test_bad_input_is_refused_with_a_clear_error_and_no_result(coordinator, auth, field, value,  # noqa: ANN001
                                                               message):
    response = _post(coordinator, auth, **{field: value})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'id="result"' not in page
    assert re.search(rf'name="{field}"[^>]*value="{re.escape(value)}"', page) or value == ""


@pytest.mark.parametrize("patience", ["", "94"])
def test_a_load_too_large_to_staff_is_refused_at_once(coordinator, auth, patience):  # noqa: ANN001
    # each field in range, together 2.3e45 Erlangs: once a request that never answered
    response = _post(coordinator, auth, contacts="6.6e45", aht_seconds="492",
                     interval_minutes="23", patience_seconds=patience)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Erlangs" in page and "check the figures" in page
    assert 'id="result"' not in page


def test_the_form_needs_its_csrf_token(coordinator):  # noqa: ANN001
    assert coordinator.post("/coordinator/erlang", data=CCH).status_code == 400


@pytest.mark.parametrize("role", ["client", "agent"])
def test_only_coordinators_open_the_calculator(client, auth, session, planned, role):  # noqa: ANN001
    user = user_of(session, role)
    assert auth.login(user.username, _password(planned, user.username)).status_code == 302
    assert client.get("/coordinator/erlang").status_code == 403


def test_the_coordinators_menu_links_the_calculator(coordinator):  # noqa: ANN001
    assert 'href="/coordinator/erlang"' in coordinator.get("/coordinator/roster").get_data(
        as_text=True)
