"""Time off: agents ask for days off, coordinators approve or decline; approved days bind plans.

An approved request becomes one approved TimeOff row per day, which every later plan and
re-plan reads (planning._agents): no shift on those days. A published roster with a shift on
a newly approved day is not changed in place; the coordinator re-plans it.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from sqlmodel import Session, col, select
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from web import models as m

MAX_DAYS = 31  # one request covers at most a month
MAX_DAYS_AHEAD = 366
OPEN = ("requested", "approved")


class TimeOffError(ValueError):
    """A time-off request or answer that cannot be accepted, in words for the user."""

    def __init__(self, message: str, field: str = "first_day") -> None:
        super().__init__(message)
        self.field = field


class TimeOffForm(FlaskForm):
    """An agent's request: which days (inclusive) and why."""

    first_day = DateField("First day off", validators=[InputRequired()])
    last_day = DateField("Last day off", validators=[InputRequired()])
    reason = TextAreaField("Reason (optional)", validators=[Optional(), Length(max=300)])


class TimeOffAnswerForm(FlaskForm):
    """A coordinator's answer."""

    decision = SelectField("Decision", choices=[SelectChoice("approved", "Approve"),
                                                SelectChoice("declined", "Decline")])
    answer = StringField("Answer to the agent", validators=[Length(max=300)])


def check_period(first: date, last: date, today: date) -> None:
    """Days off run forward, start today or later, within a year, at most MAX_DAYS long."""
    if last < first:
        raise TimeOffError("the last day off must not be before the first", "last_day")
    if first < today:
        raise TimeOffError("time off cannot start in the past")
    if first > today + timedelta(days=MAX_DAYS_AHEAD):
        raise TimeOffError(f"time off can be asked at most {MAX_DAYS_AHEAD} days ahead")
    if (last - first).days + 1 > MAX_DAYS:
        raise TimeOffError(f"one request covers at most {MAX_DAYS} days", "last_day")


def request_time_off(
    session: Session, *, agent_id: int, first: date, last: date, reason: str, today: date
) -> m.TimeOffRequest:
    """Store an agent's request (the caller commits); overlapping an open one is refused."""
    check_period(first, last, today)
    clash = session.exec(select(m.TimeOffRequest).where(
        m.TimeOffRequest.agent_id == agent_id, col(m.TimeOffRequest.status).in_(OPEN),
        m.TimeOffRequest.first_day <= last, m.TimeOffRequest.last_day >= first)).first()
    if clash is not None:
        raise TimeOffError(f"you already asked for {clash.first_day:%d.%m.}–"
                           f"{clash.last_day:%d.%m.} ({clash.status})")
    row = m.TimeOffRequest(agent_id=agent_id, first_day=first, last_day=last,
                           reason=reason.strip())
    session.add(row)
    return row


def cancel_request(session: Session, request_id: int, *, agent_id: int) -> m.TimeOffRequest:
    """An agent withdraws their own unanswered request (the caller commits)."""
    row = session.get(m.TimeOffRequest, request_id)
    if row is None or row.agent_id != agent_id:
        raise LookupError(f"time-off request {request_id} does not exist")
    if row.status != "requested":
        raise TimeOffError(f"the request was already {row.status}")
    row.status = "cancelled"
    session.add(row)
    return row


def answer_request(
    session: Session, request_id: int, *, decision: str, answer: str, username: str
) -> m.TimeOffRequest:
    """Approve (adding an approved day off per day) or decline a request (caller commits)."""
    row = session.get(m.TimeOffRequest, request_id)
    if row is None:
        raise LookupError(f"time-off request {request_id} does not exist")
    if row.status != "requested":
        raise TimeOffError(f"request {request_id} was already {row.status}")
    if decision not in ("approved", "declined"):
        raise TimeOffError("approve or decline")
    if decision == "declined" and not answer.strip():
        raise TimeOffError("say why the time off is declined")
    row.status, row.answer = decision, answer.strip()
    row.decided_by, row.decided_at = username, m.utcnow()
    session.add(row)
    if decision == "approved":
        add_days_off(session, row.agent_id, row.first_day, row.last_day,
                     reason=row.reason or "time off", request_id=row.id)
    return row


def add_days_off(
    session: Session, agent_id: int, first: date, last: date, *, reason: str,
    request_id: int | None = None,
) -> int:
    """Approved days off from first to last, skipping days already off; returns days added."""
    have = set(session.exec(select(m.TimeOff.day).where(
        m.TimeOff.agent_id == agent_id, m.TimeOff.status == "approved",
        m.TimeOff.day >= first, m.TimeOff.day <= last)))
    added = 0
    day = first
    while day <= last:
        if day not in have:
            session.add(m.TimeOff(agent_id=agent_id, day=day, status="approved", reason=reason,
                                  request_id=request_id))
            added += 1
        day += timedelta(days=1)
    return added


def requests_of(session: Session, agent_id: int | None = None) -> list[m.TimeOffRequest]:
    """Requests newest first: one agent's, or everyone's."""
    query = select(m.TimeOffRequest).order_by(col(m.TimeOffRequest.created_at).desc(),
                                              col(m.TimeOffRequest.id).desc())
    if agent_id is not None:
        query = query.where(m.TimeOffRequest.agent_id == agent_id)
    return list(session.exec(query))


def published_shift_days(session: Session, agent_id: int, first: date, last: date) -> list[date]:
    """Days in the range on which a published roster gives the agent a shift."""
    query = (
        select(m.Shift.day)
        .join(m.Roster, col(m.Roster.id) == col(m.Shift.roster_id))
        .where(m.Roster.status == "published", m.Shift.agent_id == agent_id,
               m.Shift.day >= first, m.Shift.day <= last)
    )
    return sorted(set(session.exec(query)))


def upcoming_days_off(session: Session, agent_id: int, today: date) -> list[m.TimeOff]:
    """An agent's approved days off from today on."""
    return list(session.exec(select(m.TimeOff).where(
        m.TimeOff.agent_id == agent_id, m.TimeOff.status == "approved", m.TimeOff.day >= today
    ).order_by(m.TimeOff.day)))
