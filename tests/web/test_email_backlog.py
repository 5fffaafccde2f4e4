"""Email queues show their backlog: work waiting and past the response target, per interval."""

from __future__ import annotations

from sqlmodel import select

from tests.web.conftest import user_of
from web import models as m
from web.email_backlog import email_backlogs
from web.outlook import client_outlook
from web.reports import coverage


def _login(auth, planned, user: m.User) -> None:  # noqa: ANN001
    password = next(u.password for u in planned.world.users if u.username == user.username)
    assert auth.login(user.username, password).status_code == 302


def test_backlog_is_late_exactly_where_the_projected_service_level_misses(session, planned) -> None:  # noqa: ANN001, E501
    """A day whose email service level is below 100 % has work past its response target."""
    roster = session.get(m.Roster, planned.roster_id)
    for client in session.exec(select(m.Client)):
        outlook = client_outlook(session, client, roster)
        backlogs = email_backlogs(session, roster, outlook.queues)
        assert set(backlogs) == {qc.queue.key for qc in outlook.queues
                                 if qc.queue.channel == "email"}
        for day in outlook.queue_days:
            if day.queue.key not in backlogs or day.service_level is None:
                continue
            grid_days = [qc for qc in outlook.queues if qc.queue.key == day.queue.key][0].starts
            overdue = [h for start, h in zip(grid_days, backlogs[day.queue.key].overdue_hours,
                                             strict=True) if start.date() >= day.day]
            if day.service_level < 0.999:  # some of the day's mail is answered late
                assert max(overdue) > 0, (day.queue.key, day.day)


def test_coordinator_and_client_see_the_email_backlog(client, auth, session, planned) -> None:  # noqa: ANN001
    """The coverage pages draw each email queue's backlog; a client only its own."""
    roster = session.get(m.Roster, planned.roster_id)
    emails = {q.key: q for q in session.exec(select(m.Queue)) if q.channel == "email"}
    _login(auth, planned, user_of(session, "coordinator"))
    page = client.get("/coordinator/coverage").get_data(as_text=True)
    for queue in emails.values():
        assert f'aria-label="{queue.name}: email backlog"' in page
    client.get("/logout")
    mine = session.get(m.Client, next(iter(emails.values())).client_id)
    _login(auth, planned, user_of(session, "client", client_id=mine.id))
    page = client.get(f"/clients/{mine.key}/coverage").get_data(as_text=True)
    backlogs = email_backlogs(session, roster, coverage(session, roster, client_id=mine.id))
    for key, queue in emails.items():
        shown = f'aria-label="{queue.name}: email backlog"' in page
        assert shown == (queue.client_id == mine.id)
        if shown:
            assert f"largest {backlogs[key].peak_waiting_hours:.1f} agent-h waiting" in page
