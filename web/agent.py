"""Agent pages: my published shifts, with breaks and the client of each block."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlmodel import select

from web import models as m
from web.auth import role_required
from web.calendar import active_token, agent_for_token, issue_token, revoke_token, shifts_calendar
from web.clock import today
from web.compare import agent_changes
from web.db import request_session
from web.reports import upcoming_shifts
from web.time_off import (
    TimeOffError,
    TimeOffForm,
    cancel_request,
    request_time_off,
    requests_of,
    upcoming_days_off,
)
from web.view_cache import view_cache

bp = Blueprint("agent", __name__)
FEED_PAST_DAYS = 14  # calendar apps keep a fortnight of past shifts


@bp.route("/my/shifts")
@role_required("agent")
def my_shifts():  # noqa: ANN201
    """The signed-in agent's own schedule."""
    agent = request_session().get(m.Agent, current_user.agent_id)
    if agent is None:
        abort(404)
    return redirect(url_for("agent.shifts", agent_key=agent.key))


def _visible_agent(agent_key: str) -> m.Agent:
    """The agent named in the URL, if the signed-in user may see their shifts (else 403/404)."""
    agent = request_session().exec(select(m.Agent).where(m.Agent.key == agent_key)).first()
    if agent is None:
        abort(404)
    if current_user.role == "agent" and current_user.agent_id != agent.id:
        abort(403)
    return agent


@bp.route("/agents/<agent_key>/shifts")
@role_required("agent", "coordinator")
def shifts(agent_key: str):  # noqa: ANN201
    """An agent's published shifts from today on: the agent themself or a coordinator only."""
    agent = _visible_agent(agent_key)
    upcoming = upcoming_shifts(request_session(), agent.id, today())
    changes = agent_changes(request_session(), agent.id, today())
    key = ("agent_listing", tuple(upcoming),
           tuple(sorted((day, change, changes.versions[day])
                        for day, change in changes.by_day.items())))
    listing = view_cache().get_or_make(key, lambda: Markup(render_template(
        "agent/_shifts_list.html", shifts=upcoming, changes=changes)))
    return render_template("agent/shifts.html", agent=agent, listing=listing)


@bp.route("/agents/<agent_key>/shifts.ics")
@role_required("agent", "coordinator")
def shifts_file(agent_key: str):  # noqa: ANN201
    """Download an agent's published shifts as an iCalendar file."""
    agent = _visible_agent(agent_key)
    shifts_ = upcoming_shifts(request_session(), agent.id, today() - timedelta(FEED_PAST_DAYS))
    return _ics(agent, shifts_, attachment=True)


@bp.route("/my/calendar")
@role_required("agent")
def calendar():  # noqa: ANN201
    """The agent's private calendar feed: its URL, and buttons to replace or turn it off."""
    session = request_session()
    token = active_token(session, current_user.agent_id)
    url = url_for("agent.feed", token=token.token, _external=True) if token else None
    agent = session.get(m.Agent, current_user.agent_id)
    return render_template("agent/calendar.html", feed_url=url, agent_key=agent.key)


@bp.route("/my/calendar/token", methods=["POST"])
@role_required("agent")
def new_calendar_token():  # noqa: ANN201
    """Issue a new feed URL; the old one stops working."""
    session = request_session()
    issue_token(session, current_user.agent_id)
    session.commit()
    flash("New calendar link made. Any old link no longer works.", "ok")
    return redirect(url_for("agent.calendar"), 303)


@bp.route("/my/calendar/revoke", methods=["POST"])
@role_required("agent")
def revoke_calendar_token():  # noqa: ANN201
    """Turn the feed off."""
    session = request_session()
    revoke_token(session, current_user.agent_id)
    session.commit()
    flash("Calendar link turned off.", "ok")
    return redirect(url_for("agent.calendar"), 303)


@bp.route("/my/time-off", methods=["GET", "POST"])
@role_required("agent")
def time_off():  # noqa: ANN201
    """The agent's time-off requests and their answers; a form to ask for days off."""
    session = request_session()
    form = TimeOffForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                request_time_off(session, agent_id=current_user.agent_id,
                                 first=form.first_day.data, last=form.last_day.data,
                                 reason=form.reason.data or "", today=today())
            except TimeOffError as error:
                form.last_day.errors.append(str(error))
            else:
                session.commit()
                flash("Time off asked for. A coordinator answers it here.", "ok")
                return redirect(url_for("agent.time_off"), 303)
        status = 400
    return render_template(
        "agent/time_off.html", form=form, requests=requests_of(session, current_user.agent_id),
        days_off=upcoming_days_off(session, current_user.agent_id, today()),
    ), status


@bp.route("/my/time-off/<int:time_off_id>/cancel", methods=["POST"])
@role_required("agent")
def cancel_time_off(time_off_id: int):  # noqa: ANN201
    """Withdraw one's own request before it is answered."""
    session = request_session()
    try:
        cancel_request(session, time_off_id, agent_id=current_user.agent_id)
    except LookupError:
        abort(404)
    except TimeOffError as error:
        flash(str(error), "error")
        return redirect(url_for("agent.time_off"), 303)
    session.commit()
    flash("Request withdrawn.", "ok")
    return redirect(url_for("agent.time_off"), 303)


@bp.route("/calendar/<token>.ics")
def feed(token: str):  # noqa: ANN201
    """A calendar app's subscription: the token is the only credential, revocable.

    Calendar apps poll their feeds: the answer carries an ETag of its content, and a poll
    that sends it back (If-None-Match) while nothing changed gets 304 Not Modified."""
    session = request_session()
    agent = agent_for_token(session, token)
    if agent is None:
        abort(404)
    shifts_ = upcoming_shifts(session, agent.id, today() - timedelta(FEED_PAST_DAYS))
    body, etag = view_cache().get_or_make(
        ("feed", agent.key, agent.name, tuple(shifts_)), lambda: _feed_body(agent, shifts_))
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(body, mimetype="text/calendar")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"  # keep it, but ask every time
    return response


def _feed_body(agent: m.Agent, shifts_: list) -> tuple[bytes, str]:
    """The calendar and its entity tag (a digest of the calendar)."""
    body = shifts_calendar(agent, shifts_)
    return body, hashlib.sha256(body).hexdigest()[:32]


def _ics(agent: m.Agent, shifts_: list, *, attachment: bool = False) -> Response:
    """An iCalendar response, private and uncached."""
    response = Response(shifts_calendar(agent, shifts_), mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, no-store"
    if attachment:
        response.headers["Content-Disposition"] = f'attachment; filename="{agent.key}-shifts.ics"'
    return response
