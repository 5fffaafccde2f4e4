"""Coordinator queue settings: each queue's service target, staffing assumptions and opening
hours, and each client's shortfall priority.

These are what staffing turns a forecast into required agents with (scheduler.staffing:
service level and answer time, occupancy cap, shrinkage, chat concurrency, email response
window, voice callers' patience for Erlang A) and when the scheduler may put agents on a
queue. Input is checked by building the solver's own objects, so whatever saves is what the
next forecast-and-plan run uses; a published roster keeps the requirement it was made from.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlmodel import select
from wtforms import BooleanField, FloatField, IntegerField, StringField
from wtforms.validators import InputRequired, NumberRange

from scheduler import domain
from web import models as m
from web.auth import role_required
from web.db import request_session
from web.form_errors import flash_form_errors
from web.planning import opening_hours, service_target

bp = Blueprint("queues", __name__, url_prefix="/coordinator/queues")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
CLOSED = {"", "closed", "-", "–"}


@bp.before_request
@role_required("coordinator")
def _only_coordinators() -> None:
    """Every page here is for coordinators only."""


class QueueForm(FlaskForm):
    """A queue's target and assumptions in the units a planner reads them (%, s, h)."""

    service_level_percent = FloatField("Service level target (%)",
                                       [InputRequired(), NumberRange(1, 99.9)])
    answer_seconds = IntegerField("Answered within (s; voice and chat)",
                                  [InputRequired(), NumberRange(1, 3600)])
    response_hours = FloatField("Email: answered within (open hours)",
                                [InputRequired(), NumberRange(0, 24 * 14)])
    max_occupancy_percent = FloatField("Occupancy cap (%)", [InputRequired(), NumberRange(10, 100)])
    shrinkage_percent = FloatField("Shrinkage (%)", [InputRequired(), NumberRange(0, 90)])
    concurrency = IntegerField("Chats per agent at once", [InputRequired(), NumberRange(1, 6)])
    patience_seconds = FloatField("Voice: callers' mean patience (s; 0 = Erlang C)",
                                  [InputRequired(), NumberRange(0, 3600)])
    closed_on_holidays = BooleanField("Closed on Finnish public holidays")
    monday = StringField("Monday")
    tuesday = StringField("Tuesday")
    wednesday = StringField("Wednesday")
    thursday = StringField("Thursday")
    friday = StringField("Friday")
    saturday = StringField("Saturday")
    sunday = StringField("Sunday")


class ClientPriorityForm(FlaskForm):
    """A client's penalty per missing agent-interval: who is short first when agents run out."""

    shortfall_weight = IntegerField("Shortfall penalty per missing agent-interval",
                                    [InputRequired(), NumberRange(1, 100_000)])


def span_text(hours: list | None) -> str:
    """Stored (open, close) minutes as "08:00-20:00", or "closed"."""
    if not hours:
        return "closed"
    start, end = hours
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def parse_span(text: str | None) -> list[int] | None:
    """"08:00-20:00" as [480, 1200]; "closed" or empty as None; raises ValueError if bad."""
    cleaned = (text or "").strip().lower()
    if cleaned in CLOSED:
        return None
    match = SPAN.match(cleaned)
    if not match:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM or 'closed'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if m1 >= 60 or m2 >= 60 or h1 > 24 or h2 > 24:
        raise ValueError(f"{text!r} is no time of day")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if not 0 <= start < end <= 1440:
        raise ValueError(f"{text!r}: opening must come before closing, within the day "
                         "(24:00 closes at midnight)")
    return [start, end]


@bp.route("/")
def queue_list():  # noqa: ANN201
    """Every client with its priority, and every queue with its target and opening hours."""
    session = request_session()
    clients = session.exec(select(m.Client).order_by(m.Client.name)).all()
    queues = session.exec(select(m.Queue).order_by(m.Queue.key)).all()
    return render_template(
        "coordinator/queues.html", clients=clients,
        queues_of={c.id: [q for q in queues if q.client_id == c.id] for c in clients},
        span_text=span_text, weekdays=WEEKDAYS, priority_form=ClientPriorityForm(),
    )


@bp.route("/<int:queue_id>", methods=["GET", "POST"])
def edit_queue(queue_id: int):  # noqa: ANN201
    """Edit one queue; every value is checked as staffing and the scheduler would read it."""
    session = request_session()
    row = session.get(m.Queue, queue_id)
    if row is None:
        abort(404)
    form = QueueForm(data=None if request.method == "POST" else _queue_data(row))
    if form.is_submitted():
        if form.validate() and _apply_queue(row, form):
            session.commit()
            flash(f"Queue {row.name} saved: the next forecast and plan use it.", "ok")
            return redirect(url_for("queues.queue_list"), 303)
        session.rollback()
        flash_form_errors(form)
    status = 400 if form.errors else 200
    return render_template("coordinator/queue_edit.html", queue=row, form=form,
                           weekdays=WEEKDAYS), status


@bp.route("/clients/<int:client_id>/priority", methods=["POST"])
def client_priority(client_id: int):  # noqa: ANN201
    """Set a client's shortfall penalty (its SLA priority among the outsourcer's clients)."""
    session = request_session()
    client = session.get(m.Client, client_id)
    if client is None:
        abort(404)
    form = ClientPriorityForm()
    if not form.validate():
        flash_form_errors(form)
        return redirect(url_for("queues.queue_list"), 303)
    client.shortfall_weight = form.shortfall_weight.data
    session.commit()
    flash(f"{client.name}: shortfall penalty {client.shortfall_weight} per missing "
          "agent-interval.", "ok")
    return redirect(url_for("queues.queue_list"), 303)


def _queue_data(row: m.Queue) -> dict:
    """A queue row as form values."""
    weekly = list(row.opening_hours or [None] * 7)
    return {
        "service_level_percent": round(row.service_level * 100, 3),
        "answer_seconds": row.answer_seconds,
        "response_hours": row.response_minutes / 60,
        "max_occupancy_percent": round(row.max_occupancy * 100, 3),
        "shrinkage_percent": round(row.shrinkage * 100, 3),
        "concurrency": row.concurrency,
        "patience_seconds": row.patience_seconds,
        "closed_on_holidays": row.closed_on_holidays,
        **{day: span_text(weekly[i]) for i, day in enumerate(WEEKDAYS)},
    }


def _apply_queue(row: m.Queue, form: QueueForm) -> bool:
    """Copy the form onto the row if staffing accepts it; errors go on the form."""
    weekly: list[list[int] | None] = []
    for day in WEEKDAYS:
        try:
            weekly.append(parse_span(form[day].data))
        except ValueError as exc:
            form[day].errors = [str(exc)]
            return False
    if all(hours is None for hours in weekly):
        form.monday.errors = ["a queue must be open on some day of the week"]
        return False
    if row.channel == "email" and form.response_hours.data <= 0:
        form.response_hours.errors = ["an email queue needs a response window"]
        return False
    row.service_level = form.service_level_percent.data / 100
    row.answer_seconds = form.answer_seconds.data
    row.response_minutes = round(form.response_hours.data * 60)
    row.max_occupancy = form.max_occupancy_percent.data / 100
    row.shrinkage = form.shrinkage_percent.data / 100
    row.concurrency = form.concurrency.data
    row.patience_seconds = form.patience_seconds.data
    row.closed_on_holidays = bool(form.closed_on_holidays.data)
    row.opening_hours = weekly
    try:  # the objects staffing and the scheduler build from the row
        service_target(row)
        domain.OpeningHours(weekly=tuple(tuple(h) if h else None for h in weekly),
                            closed_on_holidays=row.closed_on_holidays)
        opening_hours(row)
    except ValueError as exc:
        form.service_level_percent.errors = [str(exc)]
        return False
    return True

