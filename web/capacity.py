"""Capacity requests: clients ask for extra cover on their own queues; coordinators answer."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from sqlmodel import Session, col, select
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from scheduler.grid import SITE_TIMEZONE
from web import models as m

FORM_KEY_PREFIX = "form:"  # the API's Idempotency-Key values and the web form's share a column


class CapacityRequestForm(FlaskForm):
    """A client's request: which queue, when (Helsinki time), how much more, and why."""

    queue = SelectField("Queue", validators=[DataRequired()])
    day = DateField("Day", validators=[InputRequired()])
    start = TimeField("From", validators=[InputRequired()])
    end = TimeField("Until", validators=[InputRequired()])
    extra_agents = IntegerField("Extra agents", validators=[Optional(), NumberRange(0, 50)])
    extra_contacts_percent = IntegerField(
        "Expected extra contacts (%)", validators=[Optional(), NumberRange(0, 500)]
    )
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=500)])
    # a one-time token per rendered form: submitting the same form twice files one request
    submission = HiddenField(validators=[
        DataRequired("the form is out of date: reload the page"),
        Regexp(r"^[A-Za-z0-9_-]{16,64}$", message="the form is out of date: reload the page"),
    ])

    def new_submission(self) -> None:
        """Give a freshly rendered form its one-time submission token."""
        self.submission.data = secrets.token_urlsafe(24)

    @property
    def idempotency_key(self) -> str:
        """The stored key of this form's submission."""
        return f"{FORM_KEY_PREFIX}{self.submission.data}"

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        """Field checks, then: the period runs forward, and something extra is asked for."""
        if not super().validate(extra_validators):
            return False
        if self.end.data <= self.start.data:
            self.end.errors.append("must be after the start time")
            return False
        if not (self.extra_agents.data or self.extra_contacts_percent.data):
            self.extra_agents.errors.append("ask for extra agents or expected extra contacts")
            return False
        return True


class AnswerForm(FlaskForm):
    """A coordinator's answer to a request."""

    decision = SelectField(
        "Decision",
        choices=[SelectChoice("approved", "Approve"), SelectChoice("declined", "Decline")],
    )
    answer = StringField("Answer to the client", validators=[Length(max=500)])

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        """A decline needs a reason the client can read."""
        if not super().validate(extra_validators):
            return False
        if self.decision.data == "declined" and not (self.answer.data or "").strip():
            self.answer.errors.append("say why the request is declined")
            return False
        return True


def _local_instant(day: date, clock: time) -> datetime:
    """A Helsinki wall-clock time on a day, as an aware instant."""
    return datetime.combine(day, clock, tzinfo=ZoneInfo(SITE_TIMEZONE))


def create_request(
    session: Session, form: CapacityRequestForm, *, client_id: int, user_id: int
) -> m.CapacityRequest:
    """Store a validated request for one of the client's own queues (the caller commits)."""
    queue = session.exec(select(m.Queue).where(m.Queue.key == form.queue.data)).first()
    if queue is None or queue.client_id != client_id:
        raise PermissionError("a client may only ask for capacity on its own queues")
    request = m.CapacityRequest(
        client_id=client_id,
        queue_id=queue.id,
        start=_local_instant(form.day.data, form.start.data),
        end=_local_instant(form.day.data, form.end.data),
        extra_agents=form.extra_agents.data or 0,
        extra_contacts_percent=form.extra_contacts_percent.data or 0,
        reason=form.reason.data.strip(),
        created_by=user_id,
        idempotency_key=form.idempotency_key,
    )
    session.add(request)
    return request


def already_submitted(
    session: Session, form: CapacityRequestForm, *, user_id: int
) -> m.CapacityRequest | None:
    """The request this user's earlier submission of the same form stored, if any."""
    query = select(m.CapacityRequest).where(
        m.CapacityRequest.created_by == user_id,
        m.CapacityRequest.idempotency_key == form.idempotency_key,
    )
    return session.exec(query).first()


def answer_request(session: Session, request_id: int, form: AnswerForm) -> m.CapacityRequest:
    """Approve or decline an open request (the caller commits)."""
    request = session.get(m.CapacityRequest, request_id)
    if request is None:
        raise LookupError(f"capacity request {request_id} does not exist")
    if request.status != "open":
        raise ValueError(f"request {request_id} was already {request.status}")
    request.status = form.decision.data
    request.answer = (form.answer.data or "").strip()
    session.add(request)
    return request


def requests_of(session: Session, client_id: int | None = None) -> list[m.CapacityRequest]:
    """Requests newest first: one client's, or every client's for coordinators."""
    query = select(m.CapacityRequest).order_by(col(m.CapacityRequest.created_at).desc())
    if client_id is not None:
        query = query.where(m.CapacityRequest.client_id == client_id)
    return list(session.exec(query))
