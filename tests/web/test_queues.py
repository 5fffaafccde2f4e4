"""Coordinators edit queue service targets, opening hours and client priority; staffing and the
next plan's Problem use what saved, and bad input saves nothing."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlmodel import select

from scheduler.grid import Grid
from tests.web.conftest import user_of
from web import models as m
from web.pipeline import staff_queues
from web.planning import (
    build_problem,
    grid_of,
    open_flags,
    opening_hours,
    service_target,
    stored_requirement,
)


def _login(auth, session, planned) -> None:  # noqa: ANN001
    user = user_of(session, "coordinator")
    password = next(u.password for u in planned.world.users if u.username == user.username)
    assert auth.login(user.username, password).status_code == 302


def _queue(session, channel: str) -> m.Queue:  # noqa: ANN001
    return session.exec(select(m.Queue).where(m.Queue.channel == channel)
                        .order_by(m.Queue.id)).first()


def _form(auth, row: m.Queue, **changes) -> dict:  # noqa: ANN001
    """The queue form as a browser posts it (weekdays 08:00-20:00), with changes."""
    data = {"csrf_token": auth.csrf_token(f"/coordinator/queues/{row.id}"),
            "service_level_percent": "80", "answer_seconds": "20", "response_hours": "8",
            "max_occupancy_percent": "85", "shrinkage_percent": "30", "concurrency": "2",
            "patience_seconds": "0", "closed_on_holidays": "y",
            **{d: "08:00-20:00" for d in ("monday", "tuesday", "wednesday", "thursday",
                                           "friday")},
            "saturday": "10:00-16:00", "sunday": "closed"}
    data.update(changes)
    return data


def _required(session, queue: m.Queue, contacts: float) -> tuple[int, str]:  # noqa: ANN001
    """Required agents and model for one Monday 10:00 interval of a queue, as saved."""
    session.expire_all()  # what the app committed, not this session's cached rows
    grid = Grid(date(2026, 11, 23), 1, 30)
    forecast = pd.DataFrame({"interval_start": [pd.Timestamp("2026-11-23T08:00Z")],
                             "queue": [queue.key], "contacts": [contacts],
                             "aht_seconds": [240.0]})
    frame = staff_queues(session, forecast, grid)
    row = frame[frame["queue"] == queue.key].iloc[0]
    return int(row["required_agents"]), str(row["model"])


def test_a_stricter_target_and_patience_change_the_next_requirement(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    _login(auth, session, planned)
    voice = _queue(session, "voice")
    assert client.post(f"/coordinator/queues/{voice.id}", data=_form(
        auth, voice, patience_seconds="0")).status_code == 303  # 80 % in 20 s, Erlang C
    before, model_before = _required(session, voice, 60)
    assert model_before == "erlang_c"
    response = client.post(f"/coordinator/queues/{voice.id}", data=_form(
        auth, voice, service_level_percent="95", answer_seconds="10", patience_seconds="90"))
    assert response.status_code == 303, response.get_data(as_text=True)[-800:]
    session.refresh(voice)
    assert service_target(voice).service_level == pytest.approx(0.95)
    assert service_target(voice).patience_seconds == 90
    after, model_after = _required(session, voice, 60)
    assert model_after == "erlang_a"
    assert after > before  # 95 % in 10 s needs more agents than 80 % in 20 s
    listing = client.get("/coordinator/queues/").get_data(as_text=True)
    assert "95 % in 10 s" in listing and "Erlang A, patience 90 s" in listing


def test_opening_hours_saved_are_when_the_plan_may_staff_the_queue(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    _login(auth, session, planned)
    chat = _queue(session, "chat")
    response = client.post(f"/coordinator/queues/{chat.id}", data=_form(
        auth, chat, monday="09:00-17:00", sunday="closed"))
    assert response.status_code == 303
    session.refresh(chat)
    grid = Grid(date(2026, 11, 23), 7, 60)  # Monday to Sunday, no public holiday
    flags = open_flags(grid, opening_hours(chat))
    monday = [grid.local(t).hour for t in range(24) if flags[t]]
    assert monday == list(range(9, 17))
    assert not any(flags[6 * 24:])  # Sunday closed


@pytest.mark.parametrize(("changes", "message"), [
    ({"monday": "25:00-26:00"}, "is no time of day"),
    ({"tuesday": "8-20"}, "is not HH:MM-HH:MM"),
    ({"wednesday": "20:00-08:00"}, "opening must come before closing"),
    ({d: "closed" for d in ("monday", "tuesday", "wednesday", "thursday", "friday",
                            "saturday")}, "must be open on some day"),
    ({"service_level_percent": "120"}, "Service level target"),
    ({"max_occupancy_percent": "abc"}, "Occupancy cap"),
])
def test_bad_queue_input_is_refused_and_nothing_saved(client, auth, session, planned,  # noqa: ANN001
                                                      changes, message) -> None:
    _login(auth, session, planned)
    voice = _queue(session, "voice")
    before = (service_target(voice), opening_hours(voice))
    # every other field changes too: a refusal must keep all of them
    response = client.post(f"/coordinator/queues/{voice.id}", data=_form(
        auth, voice, shrinkage_percent="45", answer_seconds="33", **changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    session.refresh(voice)
    assert (service_target(voice), opening_hours(voice)) == before


def test_client_priority_is_the_shortfall_weight_of_its_queues(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    _login(auth, session, planned)
    target = session.exec(select(m.Client).order_by(m.Client.id)).first()
    token = auth.csrf_token("/coordinator/queues/")
    refused = client.post(f"/coordinator/queues/clients/{target.id}/priority",
                          data={"csrf_token": token, "shortfall_weight": "0"})
    assert refused.status_code == 303
    session.refresh(target)
    assert target.shortfall_weight != 0
    saved = client.post(f"/coordinator/queues/clients/{target.id}/priority",
                        data={"csrf_token": token, "shortfall_weight": "250"})
    assert saved.status_code == 303
    session.refresh(target)
    assert target.shortfall_weight == 250
    roster = session.exec(select(m.Roster)).first()
    problem = build_problem(session, grid=grid_of(roster),
                            requirement=stored_requirement(session, roster.requirement_id,
                                                           grid_of(roster)))
    mine = {q.key for q in session.exec(select(m.Queue).where(m.Queue.client_id == target.id))}
    assert {q.shortfall_weight for q in problem.queues if q.key in mine} == {250}


def test_queue_forms_need_the_csrf_token(client, auth, session, planned) -> None:  # noqa: ANN001
    _login(auth, session, planned)
    voice = _queue(session, "voice")
    data = _form(auth, voice, service_level_percent="95")
    del data["csrf_token"]
    assert client.post(f"/coordinator/queues/{voice.id}", data=data).status_code == 400
    session.refresh(voice)
    assert voice.service_level != pytest.approx(0.95)
