"""What the pages read from a stored roster: shift blocks in local time, back-office gaps."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

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
