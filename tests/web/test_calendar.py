"""Agents' calendar: a downloadable .ics and a private, revocable subscription feed."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlmodel import select

from tests.ical_rfc5545 import rfc5545_problems
from tests.web.conftest import user_of
from web import models as m
from web.calendar import shifts_calendar
from web.reports import Block, ShiftView


def _password(planned, username: str) -> str:  # noqa: ANN001
    """The demo password of a user in the small world."""
    return next(u.password for u in planned.world.users if u.username == username)


def _agent_with_shifts(session, planned):  # noqa: ANN001, ANN202
    """An agent who has shifts in the published roster, and their login."""
    shift = session.exec(select(m.Shift).where(m.Shift.roster_id == planned.roster_id)).first()
    return session.get(m.Agent, shift.agent_id), user_of(session, "agent", agent_id=shift.agent_id)


def _events(body: bytes) -> list:
    """Parse an iCalendar body and return its events (raises on malformed input)."""
    calendar = Calendar.from_ical(body)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return calendar.walk("VEVENT")


def test_agent_downloads_own_shifts_as_ics(client, auth, session, planned) -> None:  # noqa: ANN001
    """The .ics holds one event per published shift with the shift's UTC start and end."""
    agent, user = _agent_with_shifts(session, planned)
    auth.login(user.username, _password(planned, user.username))
    response = client.get(f"/agents/{agent.key}/shifts.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    events = _events(response.data)
    shifts = session.exec(
        select(m.Shift).where(m.Shift.roster_id == planned.roster_id, m.Shift.agent_id == agent.id)
    ).all()
    assert len(events) == len(shifts)
    starts = sorted(e.decoded("DTSTART") for e in events)
    assert starts == sorted(s.start.replace(tzinfo=starts[0].tzinfo) for s in shifts)
    assert all(e["UID"] and e["DTSTAMP"] for e in events)
    assert rfc5545_problems(response.data) == []


def test_calendar_text_with_commas_semicolons_and_long_lines_stays_strict() -> None:
    """Client names with `,;\\`, non-ASCII text and long descriptions fold and escape right."""
    zone = ZoneInfo("Europe/Helsinki")
    start, end = datetime(2026, 11, 23, 8, tzinfo=zone), datetime(2026, 11, 23, 16, tzinfo=zone)
    blocks = tuple(
        Block(datetime(2026, 11, 23, 8 + i, tzinfo=zone),
              datetime(2026, 11, 23, 9 + i, tzinfo=zone), "work", queue_key="q",
              client_name="Sähkö, Vesi; ja \\ Lämpö Oy – asiakaspalvelu",
              channel="voice", language="fi")
        for i in range(8)
    )
    agent = m.Agent(key="a-ä", name="Ääni Öljynen", contract_id=1, shift_rule_id=1)
    raw = shifts_calendar(agent, [ShiftView(date(2026, 11, 23), start, end, 450, blocks)])
    assert rfc5545_problems(raw) == []
    assert Calendar.from_ical(raw).walk("VEVENT")[0]["SUMMARY"].startswith("Shift: Sähkö, Vesi;")


def test_agent_cannot_download_another_agents_calendar(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Another agent's .ics is 403."""
    agent, user = _agent_with_shifts(session, planned)
    other = session.exec(select(m.Agent).where(m.Agent.id != agent.id)).first()
    auth.login(user.username, _password(planned, user.username))
    assert client.get(f"/agents/{other.key}/shifts.ics").status_code == 403


def test_feed_link_works_without_login_until_replaced_or_revoked(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """A feed URL serves only its agent's shifts; a new link or turning off kills the old one."""
    agent, user = _agent_with_shifts(session, planned)
    auth.login(user.username, _password(planned, user.username))
    token = auth.csrf_token("/my/calendar")
    assert client.post("/my/calendar/token", data={"csrf_token": token}).status_code == 303
    page = client.get("/my/calendar").get_data(as_text=True)
    first = page.split("/calendar/")[1].split(".ics")[0]
    anonymous = client.application.test_client()
    events = _events(anonymous.get(f"/calendar/{first}.ics").data)
    assert events and all(agent.key in str(e["UID"]) for e in events)
    client.post("/my/calendar/token", data={"csrf_token": token})
    assert anonymous.get(f"/calendar/{first}.ics").status_code == 404
    second = client.get("/my/calendar").get_data(as_text=True).split("/calendar/")[1]
    second = second.split(".ics")[0]
    assert anonymous.get(f"/calendar/{second}.ics").status_code == 200
    client.post("/my/calendar/revoke", data={"csrf_token": token})
    assert anonymous.get(f"/calendar/{second}.ics").status_code == 404


def test_a_feed_poll_with_its_etag_gets_304_until_the_calendar_changes(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """A calendar app that sends the feed's ETag back gets 304 and no body while nothing
    changed, and the full calendar (new ETag) once it changed."""
    agent, user = _agent_with_shifts(session, planned)
    auth.login(user.username, _password(planned, user.username))
    token = auth.csrf_token("/my/calendar")
    client.post("/my/calendar/token", data={"csrf_token": token})
    feed = client.get("/my/calendar").get_data(as_text=True).split("/calendar/")[1]
    path = "/calendar/" + feed.split(".ics")[0] + ".ics"
    app = client.application.test_client()
    first = app.get(path)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and first.data and "no-store" not in first.headers[
        "Cache-Control"]
    polled = app.get(path, headers={"If-None-Match": etag})
    assert polled.status_code == 304 and polled.data == b""
    assert app.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    agent.name = agent.name + " Renamed"  # the calendar's name changes: a new calendar
    session.add(agent)
    session.commit()
    renamed = app.get(path, headers={"If-None-Match": etag})
    assert renamed.status_code == 200 and renamed.headers["ETag"] != etag
    assert b"Renamed" in renamed.data
