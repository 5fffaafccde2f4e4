"""Agents' shifts as an RFC 5545 calendar, and the revocable tokens of their private feeds."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC

from icalendar import Calendar, Event
from sqlmodel import Session, select

from web import models as m
from web.reports import ShiftView


def shifts_calendar(agent: m.Agent, shifts: Sequence[ShiftView]) -> bytes:
    """A VCALENDAR with one event per shift (UTC times), its blocks in the description."""
    calendar = Calendar()
    calendar.add("prodid", "-//Vuoro//Shifts//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Vuoro shifts: {agent.name}")
    calendar.add("x-wr-timezone", "Europe/Helsinki")
    stamp = m.utcnow()
    for shift in shifts:
        event = Event()
        event.add("uid", f"shift-{agent.key}-{shift.day.isoformat()}@vuoro")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.start.astimezone(UTC))
        event.add("dtend", shift.end.astimezone(UTC))
        event.add("summary", "Shift: " + (", ".join(shift.clients) or "back-office"))
        lines = []
        for block in shift.blocks:
            span = f"{block.start:%H:%M}–{block.end:%H:%M}"
            if block.kind == "work":
                lines.append(f"{span} {block.client_name} · {block.channel} · {block.language}")
            elif block.kind == "back_office":
                lines.append(f"{span} back-office work")
            else:
                lines.append(f"{span} {block.kind} break")
        event.add("description", "\n".join(lines))
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()


def active_token(session: Session, agent_id: int) -> m.CalendarToken | None:
    """The agent's current (unrevoked) feed token, if any."""
    query = select(m.CalendarToken).where(
        m.CalendarToken.agent_id == agent_id, m.CalendarToken.revoked_at == None  # noqa: E711
    )
    return session.exec(query).first()


def issue_token(session: Session, agent_id: int) -> m.CalendarToken:
    """Revoke the agent's feed token, if any, and issue a new one (the caller commits)."""
    revoke_token(session, agent_id)
    token = m.CalendarToken(agent_id=agent_id, token=secrets.token_urlsafe(32))
    session.add(token)
    return token


def revoke_token(session: Session, agent_id: int) -> None:
    """Turn the agent's feed off: calendar apps holding the old URL get 404 (caller commits)."""
    current = active_token(session, agent_id)
    if current is not None:
        current.revoked_at = m.utcnow()
        session.add(current)


def agent_for_token(session: Session, token: str) -> m.Agent | None:
    """The agent whose unrevoked feed token this is."""
    row = session.exec(select(m.CalendarToken).where(m.CalendarToken.token == token)).first()
    if row is None or row.revoked_at is not None:
        return None
    return session.get(m.Agent, row.agent_id)
