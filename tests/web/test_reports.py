"""What the pages read from a stored roster: shift blocks in local time, back-office gaps."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from tests.web.conftest import user_of
from tests.web.test_end_to_end import _password
from web import models as m
from web.planning import grid_of
from web.reports import shift_views


def test_a_shift_part_off_queue_shows_back_office_work(session, planned) -> None:  # noqa: ANN001
    """Time in a shift on no queue and not on break is shown as back-office work."""
    published = session.get(m.Roster, planned.roster_id)
    roster = m.Roster(start_day=published.start_day, days=published.days,
                      interval_minutes=published.interval_minutes,
                      requirement_id=published.requirement_id)
    session.add(roster)
    session.flush()
    grid = grid_of(roster)
    agent = session.exec(select(m.Agent)).first()
    queue = session.exec(select(m.Queue)).first()
    start = grid.interval_start(grid.local_time_index(0, 8 * 60))
    shift = m.Shift(roster_id=roster.id, agent_id=agent.id, day=grid.start_day, start=start,
                    end=start + timedelta(hours=4))
    session.add(shift)
    session.flush()
    session.add(m.Activity(shift_id=shift.id, queue_id=queue.id, start=start,
                           end=start + timedelta(hours=3)))
    session.commit()
    (view,) = shift_views(session, roster, [agent.id])[agent.id]
    assert [b.kind for b in view.blocks] == ["work", "back_office"]
    assert view.blocks[1].start.hour == 11 and view.blocks[1].end.hour == 12


def test_a_paid_coffee_break_shows_like_a_meal_break_and_stays_paid(client, auth, session,
                                                                    planned) -> None:  # noqa: ANN001
    """An agent's shift page lists a coffee break with its times; paid hours keep it."""
    shift = session.exec(select(m.Shift).where(m.Shift.roster_id == planned.roster_id)
                         .order_by(m.Shift.start)).first()
    roster = session.get(m.Roster, planned.roster_id)
    (before,) = [v for v in shift_views(session, roster, [shift.agent_id])[shift.agent_id]
                 if v.day == shift.day]
    start = shift.start + timedelta(minutes=60)
    session.add(m.Break(shift_id=shift.id, start=start, end=start + timedelta(minutes=15),
                        kind="coffee", paid=True))
    session.commit()
    (after,) = [v for v in shift_views(session, roster, [shift.agent_id])[shift.agent_id]
                if v.day == shift.day]
    assert "coffee" in [b.kind for b in after.blocks]
    assert after.paid_minutes == before.paid_minutes  # paid working time
    coffee = next(b for b in after.blocks if b.kind == "coffee")
    user = user_of(session, "coordinator")
    auth.login(user.username, _password(planned, user.username))
    agent = session.get(m.Agent, shift.agent_id)
    page = client.get(f"/agents/{agent.key}/shifts").get_data(as_text=True)
    assert f"{coffee.start:%H:%M}–{coffee.end:%H:%M}</time>\n        coffee break" in page


def test_an_agents_kept_shift_views_follow_a_renamed_client(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """The agent page keeps a roster's shift views between requests, keyed by the names it
    shows: renaming a client shows the new name on the next view, not the kept one."""
    activity = session.exec(select(m.Activity).join(m.Shift).where(
        m.Shift.roster_id == planned.roster_id).order_by(m.Activity.start)).first()
    shift = session.get(m.Shift, activity.shift_id)
    company = session.get(m.Client, session.get(m.Queue, activity.queue_id).client_id)
    agent = session.get(m.Agent, shift.agent_id)
    user = user_of(session, "agent", agent_id=agent.id)
    auth.login(user.username, _password(planned, user.username))
    first = client.get(f"/agents/{agent.key}/shifts").get_data(as_text=True)
    token = re.compile(r'name="csrf_token"[^>]*>')  # the sign-out form's, timestamped
    again = client.get(f"/agents/{agent.key}/shifts").get_data(as_text=True)
    assert token.sub("", again) == token.sub("", first)
    assert f"{company.name} · " in first
    company.name = "Renamed Oy"
    session.add(company)
    session.commit()
    again = client.get(f"/agents/{agent.key}/shifts").get_data(as_text=True)
    assert "Renamed Oy · " in again
