"""Coordinators edit contract rules, shift rules and fairness weights; the next plan's Problem
carries them."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from scheduler.domain import Fairness
from tests.web.conftest import user_of
from web import models as m
from web.planning import contract as to_contract
from web.planning import shift_rule as to_shift_rule
from web.planning import stored_problem

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


def _rule_form(auth, row: m.ShiftRule, **changes) -> dict:  # noqa: ANN001
    """The shift-rule form as a browser posts it (the row's current values), with changes."""
    data = {"csrf_token": auth.csrf_token(f"/coordinator/contracts/shift-rules/{row.id}"),
            "shift_types": "", "coffee_break_minutes": str(row.coffee_break_minutes),
            "coffee_break_every_minutes": str(row.coffee_break_every_minutes),
            "coffee_break_window_start": str(row.coffee_break_window_start),
            "coffee_break_window_end": str(row.coffee_break_window_end),
            "switch_weight": str(row.switch_weight)}
    data.update(changes)
    return data


def test_coordinator_sees_and_edits_every_rule(client, auth, session, planned) -> None:  # noqa: ANN001
    _login(auth, session, planned)
    rule = session.exec(select(m.ShiftRule)).first()
    page = client.get("/coordinator/contracts/").get_data(as_text=True)
    assert "Days off in a row" in page and "Max shifts per type" in page
    # shift types first, so a contract can limit them
    saved = client.post(f"/coordinator/contracts/shift-rules/{rule.id}",
                        data=_rule_form(auth, rule, shift_types=TYPES))
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
    response = client.post(f"/coordinator/contracts/shift-rules/{rule.id}",
                           data=_rule_form(auth, rule, shift_types=types))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    session.refresh(rule)
    assert rule.shift_types == []


def _agents_on(problem, rule_name: str) -> list:  # noqa: ANN001
    """The problem's agents working under a shift rule."""
    return [a for a in problem.agents if a.shift_rule.name == rule_name]


def test_edited_coffee_breaks_and_switch_weight_reach_the_next_problem(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    _login(auth, session, planned)
    roster = session.get(m.Roster, planned.roster_id)
    agent = session.exec(select(m.Agent).where(m.Agent.active).order_by(m.Agent.id)).first()
    rule = session.get(m.ShiftRule, agent.shift_rule_id)
    before = _agents_on(stored_problem(session, roster), rule.name)
    assert before and before[0].shift_rule.coffee_break_minutes == 15
    response = client.post(f"/coordinator/contracts/shift-rules/{rule.id}", data=_rule_form(
        auth, rule, coffee_break_minutes="10", coffee_break_every_minutes="180",
        coffee_break_window_start="30", coffee_break_window_end="150", switch_weight="4"))
    assert response.status_code == 303, response.get_data(as_text=True)[-1500:]
    session.expire_all()
    after = _agents_on(stored_problem(session, roster), rule.name)
    assert {a.key for a in after} == {a.key for a in before}
    assert {(a.shift_rule.coffee_break_minutes, a.shift_rule.coffee_break_every_minutes,
             a.shift_rule.coffee_break_window_minutes, a.shift_rule.switch_weight)
            for a in after} == {(10, 180, (30, 150), 4)}
    listing = client.get("/coordinator/contracts/").get_data(as_text=True)
    assert "10 min per 180 min, from 30–150 min into each" in listing
    page = client.get(f"/coordinator/contracts/shift-rules/{rule.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="switch_weight"[^>]*value="4"', page)


@pytest.mark.parametrize(("changes", "message"), [
    ({"coffee_break_minutes": "0"}, "Coffee break length (min)"),
    ({"coffee_break_every_minutes": "-15"}, "One coffee break per"),
    ({"coffee_break_window_start": "120", "coffee_break_window_end": "90"},
     "must not be before the earliest start"),
    ({"coffee_break_window_end": "230"}, "ends at 245 min, past its own 240 min"),
    ({"switch_weight": "-1"}, "Penalty per switch of queue inside a shift"),
    ({"switch_weight": "two"}, "Penalty per switch of queue inside a shift"),
    ({"coffee_break_window_end": "230", "shift_types": TYPES}, "past its own"),
])
def test_bad_shift_rule_settings_are_refused_and_nothing_saved(client, auth, session, planned,  # noqa: ANN001
                                                              changes, message) -> None:
    _login(auth, session, planned)
    rule = session.exec(select(m.ShiftRule).order_by(m.ShiftRule.id)).first()
    before = to_shift_rule(rule)
    response = client.post(f"/coordinator/contracts/shift-rules/{rule.id}",
                           data=_rule_form(auth, rule, **changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    session.refresh(rule)
    assert to_shift_rule(rule) == before


def _fairness_form(auth, **values: str) -> dict:  # noqa: ANN001
    """The fairness form as a browser posts it."""
    return {"csrf_token": auth.csrf_token("/coordinator/contracts/fairness"),
            "fair_weekend_weight": "10", "fair_evening_weight": "1", "fair_night_weight": "2",
            **values}


def test_edited_fairness_weights_reach_the_next_problem(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    _login(auth, session, planned)
    roster = session.get(m.Roster, planned.roster_id)
    assert stored_problem(session, roster).fairness == Fairness()
    page = client.get("/coordinator/contracts/").get_data(as_text=True)
    assert "each weekend shift costs 10, each evening interval 1" in page
    response = client.post("/coordinator/contracts/fairness", data=_fairness_form(
        auth, fair_weekend_weight="30", fair_evening_weight="0", fair_night_weight="5"))
    assert response.status_code == 303, response.get_data(as_text=True)[-1500:]
    session.expire_all()
    assert stored_problem(session, roster).fairness == Fairness(30, 0, 5)
    # a second save updates the one row
    response = client.post("/coordinator/contracts/fairness",
                           data=_fairness_form(auth, fair_weekend_weight="12"))
    assert response.status_code == 303
    session.expire_all()
    assert stored_problem(session, roster).fairness == Fairness(12, 1, 2)
    assert len(session.exec(select(m.PlanningSettings)).all()) == 1
    page = client.get("/coordinator/contracts/").get_data(as_text=True)
    assert "each weekend shift costs 12" in page


@pytest.mark.parametrize(("values", "message"), [
    ({"fair_weekend_weight": "-1"}, "Per weekend shift above an agent&#39;s fair share"),
    ({"fair_night_weight": ""}, "Per night interval above the fair share"),
    ({"fair_evening_weight": "1.5"}, "Per evening interval above the fair share"),
])
def test_bad_fairness_weights_are_refused_and_nothing_saved(client, auth, session, planned,  # noqa: ANN001
                                                            values, message) -> None:
    _login(auth, session, planned)
    response = client.post("/coordinator/contracts/fairness",
                           data=_fairness_form(auth, **values))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.exec(select(m.PlanningSettings)).all() == []


@pytest.mark.parametrize("role", ["agent", "client"])
def test_agents_and_clients_cannot_touch_soft_term_settings(client, auth, session, planned,  # noqa: ANN001
                                                            role) -> None:
    _login(auth, session, planned, role)
    rule = session.exec(select(m.ShiftRule).order_by(m.ShiftRule.id)).first()
    for path in (f"/coordinator/contracts/shift-rules/{rule.id}",
                 "/coordinator/contracts/fairness"):
        assert client.get(path).status_code == 403
        assert client.post(path, data={"switch_weight": "9", "fair_weekend_weight": "9"}
                           ).status_code in (400, 403)
    session.refresh(rule)
    assert rule.switch_weight == 1
    assert session.exec(select(m.PlanningSettings)).all() == []


def test_fairness_without_csrf_token_is_refused(client, auth, session, planned) -> None:  # noqa: ANN001
    _login(auth, session, planned)
    data = _fairness_form(auth, fair_weekend_weight="30")
    del data["csrf_token"]
    assert client.post("/coordinator/contracts/fairness", data=data).status_code == 400
    assert session.exec(select(m.PlanningSettings)).all() == []


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
