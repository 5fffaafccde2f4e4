"""A client's outlook: billable hours, projected service level per day, the dashboard."""

from __future__ import annotations

import re

import numpy as np
from sqlmodel import col, select

from scheduler import domain
from scheduler.service_level import interval_service_levels
from tests.web.conftest import user_of
from web import models as m
from web.outlook import client_outlook
from web.planning import grid_of, open_flags, opening_hours, service_target
from web.replanning import stored_requirement_frame


def _password(planned, username: str) -> str:  # noqa: ANN001
    """The demo password of a user in the small world."""
    return next(u.password for u in planned.world.users if u.username == username)


def _activity_hours(session, roster_id: int, client_id: int) -> float:  # noqa: ANN001
    """Hours of activities on a client's queues in a roster, straight from the rows."""
    queues = [q.id for q in session.exec(select(m.Queue).where(m.Queue.client_id == client_id))]
    rows = session.exec(select(m.Activity).join(m.Shift, col(m.Shift.id) == col(
        m.Activity.shift_id)).where(m.Shift.roster_id == roster_id,
                                    col(m.Activity.queue_id).in_(queues)))
    return sum((a.end - a.start).total_seconds() for a in rows) / 3600


def test_billable_hours_are_the_agent_time_on_the_clients_queues(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """The labelled total equals the activity hours on the client's own queues."""
    company = session.exec(select(m.Client).order_by(m.Client.id)).first()
    expected = _activity_hours(session, planned.roster_id, company.id)
    assert expected > 0
    outlook = client_outlook(session, company, session.get(m.Roster, planned.roster_id))
    assert abs(outlook.billable_hours - expected) < 1e-9
    user = user_of(session, "client", client_id=company.id)
    auth.login(user.username, _password(planned, user.username))
    page = client.get(f"/clients/{company.key}/coverage").get_data(as_text=True)
    assert "Planned billable hours this week" in page
    assert re.search(r'id="billable-hours">([\d.]+) h<', page).group(1) == f"{expected:.1f}"


def test_daily_service_level_weights_each_interval_by_its_contacts(session, planned) -> None:  # noqa: ANN001
    """Each queue-day's level is the contact-weighted mean of the interval levels."""
    roster = session.get(m.Roster, planned.roster_id)
    company = session.exec(select(m.Client).order_by(m.Client.id)).first()
    outlook = client_outlook(session, company, roster)
    grid = grid_of(roster)
    frame = stored_requirement_frame(session, roster.requirement_id)
    qc = outlook.queues[0]
    levels = interval_service_levels(
        grid, [domain.Queue(qc.queue.key, company.key, qc.queue.channel, qc.queue.language)],
        {qc.queue.key: qc.scheduled}, frame[frame["queue"] == qc.queue.key],
        {qc.queue.key: service_target(qc.queue)},
        is_open={qc.queue.key: open_flags(grid, opening_hours(qc.queue))})
    checked = 0
    for qd in (d for d in outlook.queue_days if d.queue.id == qc.queue.id):
        local = levels["interval_start"].dt.tz_convert(grid.zone).dt.date
        part = levels[local.to_numpy() == qd.day]
        weight = part["contacts"].to_numpy(dtype=float)
        if weight.sum() == 0:
            assert qd.service_level is None
            continue
        expected = float(np.average(part["service_level"], weights=weight))
        assert abs(qd.service_level - expected) < 1e-9 and 0 <= qd.service_level <= 1
        checked += 1
    assert checked >= 5
    assert all(d.contacts >= 0 for d in outlook.days)
    assert sum(d.required_hours for d in outlook.days) == sum(qc.required_total for qc in
                                                              outlook.queues) / 2


def test_coordinator_dashboard_explains_the_shortfalls(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """The small world is short of agents: the dashboard says where, and why, in words."""
    coordinator = user_of(session, "coordinator")
    auth.login(coordinator.username, _password(planned, coordinator.username))
    company = session.exec(select(m.Client).order_by(m.Client.id)).first()
    overview = client.get("/coordinator/clients/").get_data(as_text=True)
    assert company.name in overview and "service level" in overview
    page = client.get(f"/coordinator/clients/{company.key}").get_data(as_text=True)
    explained = re.findall(r"<li>([^<]*short \d+: only \d+ certified agent[^<]*)</li>", page)
    assert explained, "no shortfall explained"
    assert "planned billable hours" in page
    assert client.get(f"/coordinator/clients/{company.key}?week=2020-01-06").status_code == 404


def test_client_page_kept_between_requests_follows_changed_settings(client, auth, session, planned, app) -> None:  # noqa: ANN001, E501
    """A second view of the same week comes from the kept view; a changed service target
    is shown at once (the kept view is keyed by the settings it read)."""
    company = session.exec(select(m.Client).order_by(m.Client.id)).first()
    user = user_of(session, "client", client_id=company.id)
    auth.login(user.username, _password(planned, user.username))
    first = client.get(f"/clients/{company.key}/coverage").get_data(as_text=True)
    again = client.get(f"/clients/{company.key}/coverage").get_data(as_text=True)
    # the same page but for the sign-out form's CSRF token, which carries a timestamp
    token = re.compile(r'name="csrf_token"[^>]*>')
    assert token.sub("", again) == token.sub("", first)
    kept = app.extensions["vuoro_view_cache"]
    assert kept.hits >= 1
    queue = session.exec(select(m.Queue).where(m.Queue.client_id == company.id)
                         .order_by(m.Queue.key)).first()
    old_target = f"<td>{queue.name}</td><td class=\"num\">{100 * queue.service_level:.0f} %</td>"
    assert old_target in first
    queue.service_level = 0.55
    session.add(queue)
    session.commit()
    changed = client.get(f"/clients/{company.key}/coverage").get_data(as_text=True)
    assert f"<td>{queue.name}</td><td class=\"num\">55 %</td>" in changed
    assert old_target not in changed
