"""Agent pages: my published shifts, with breaks and the client of each block."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from sqlmodel import select

from web import models as m
from web.auth import role_required
from web.clock import today
from web.db import request_session
from web.reports import upcoming_shifts

bp = Blueprint("agent", __name__)


@bp.route("/my/shifts")
@role_required("agent")
def my_shifts():  # noqa: ANN201
    """The signed-in agent's own schedule."""
    agent = request_session().get(m.Agent, current_user.agent_id)
    if agent is None:
        abort(404)
    return redirect(url_for("agent.shifts", agent_key=agent.key))


@bp.route("/agents/<agent_key>/shifts")
@role_required("agent", "coordinator")
def shifts(agent_key: str):  # noqa: ANN201
    """An agent's published shifts from today on: the agent themself or a coordinator only."""
    session = request_session()
    agent = session.exec(select(m.Agent).where(m.Agent.key == agent_key)).first()
    if agent is None:
        abort(404)
    if current_user.role == "agent" and current_user.agent_id != agent.id:
        abort(403)
    upcoming = upcoming_shifts(session, agent.id, today())
    return render_template("agent/shifts.html", agent=agent, shifts=upcoming)
