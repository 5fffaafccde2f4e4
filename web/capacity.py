"""Capacity requests: clients ask for extra cover on their own queues; coordinators answer."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from sqlmodel import Session, col, select
from wtforms import (
    BooleanField,
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
from web.clock import helsinki_day
from web.planning import grid_of, published_roster, utc

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
    replan = BooleanField("Re-plan the published roster now", default=True)
    time_limit_seconds = IntegerField("Re-plan time limit (s)", default=30,
                                      validators=[Optional(), NumberRange(5, 900)])

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


def answer_request(
    session: Session, request_id: int, form: AnswerForm, *, username: str = ""
) -> m.CapacityRequest:
    """Approve or decline an open request (the caller commits)."""
    request = session.get(m.CapacityRequest, request_id)
    if request is None:
        raise LookupError(f"capacity request {request_id} does not exist")
    if request.status != "open":
        raise ValueError(f"request {request_id} was already {request.status}")
    request.status = form.decision.data
    request.answer = (form.answer.data or "").strip()
    request.answered_by = username
    request.answered_at = m.utcnow()
    session.add(request)
    return request


def requests_of(session: Session, client_id: int | None = None) -> list[m.CapacityRequest]:
    """Requests newest first: one client's, or every client's for coordinators."""
    query = select(m.CapacityRequest).order_by(col(m.CapacityRequest.created_at).desc())
    if client_id is not None:
        query = query.where(m.CapacityRequest.client_id == client_id)
    return list(session.exec(query))


@dataclass(frozen=True)
class RequestCoverage:
    """What became of an approved request: agents on its queue in its window, then and now."""

    request: m.CapacityRequest
    state: str  # "published", "re-planning", "waiting" (for the week's next plan)
    published_version: int | None  # the published roster that includes the request
    before: float | None  # average agents in the window in the roster it was re-planned from
    now: float | None  # ... in the published roster including it


def request_coverage(
    session: Session, requests: list[m.CapacityRequest]
) -> dict[int, RequestCoverage]:
    """For each approved request, whether a published roster includes it, and the agents."""
    found = {}
    for request in requests:
        if request.status != "approved":
            continue
        roster = published_roster(session, helsinki_day(request.start))
        included = roster is not None and session.get(
            m.AppliedCapacityRequest, (roster.requirement_id, request.id)) is not None
        draft = session.get(m.Roster, request.roster_id) if request.roster_id else None
        base = session.get(m.Roster, draft.base_roster_id) if draft and draft.base_roster_id \
            else None
        if included:
            state = "published"
        elif draft is not None and draft.status == "draft":
            state = "re-planning"
        else:
            state = "waiting"
        found[request.id] = RequestCoverage(
            request,
            state,
            roster.version if included else None,
            average_agents(session, base, request) if base is not None else None,
            average_agents(session, roster, request) if included else None,
        )
    return found


def average_agents(session: Session, roster: m.Roster, request: m.CapacityRequest) -> float:
    """Agents a roster puts on the request's queue, averaged over the request's window."""
    grid = grid_of(roster)
    start = max(utc(request.start), grid.start_utc)
    end = min(utc(request.end), grid.end_utc)
    if end <= start:
        return 0.0
    first, last = grid.index_of(_floor(grid, start)), grid.index_of(_floor(grid, end - grid.step))
    counts = [0] * (last - first + 1)
    query = (
        select(m.Activity)
        .join(m.Shift, col(m.Shift.id) == col(m.Activity.shift_id))
        .where(m.Shift.roster_id == roster.id, m.Activity.queue_id == request.queue_id,
               m.Activity.start < end, m.Activity.end > start)
    )
    for activity in session.exec(query):
        a = grid.index_of(max(utc(activity.start), grid.start_utc))
        b = grid.index_of(min(utc(activity.end), grid.end_utc))
        for t in range(max(a, first), min(b, last + 1)):
            counts[t - first] += 1
    return sum(counts) / len(counts)


def _floor(grid, instant: datetime) -> datetime:  # noqa: ANN001
    """The start of the grid interval holding an instant."""
    steps = (instant - grid.start_utc) // grid.step
    return grid.start_utc + steps * grid.step
