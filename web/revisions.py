"""Coordinator pages on roster versions: compare a draft with the published roster, re-plan."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlmodel import select
from wtforms import BooleanField, TextAreaField, TimeField
from wtforms.validators import Length, Optional

from web import models as m
from web.auth import role_required
from web.compare import coverage_delta, published_counterpart, roster_diff
from web.db import request_session
from web.hand_edit import EditError, ShiftEdit, build_shift, check_edit, save_edit
from web.jobs import start_job, submit_replan_job
from web.planning import grid_of, load_roster

bp = Blueprint("revisions", __name__, url_prefix="/coordinator/rosters")
DEFAULT_REPLAN_SECONDS = 30


@bp.before_request
@role_required("coordinator")
def _only_coordinators() -> None:
    """Every page here is for coordinators only."""


def _roster(roster_id: int) -> m.Roster:
    """A roster by id, or 404."""
    roster = request_session().get(m.Roster, roster_id)
    if roster is None:
        abort(404)
    return roster


@bp.route("/<int:roster_id>/compare")
def compare(roster_id: int):  # noqa: ANN201
    """A roster against the published one it would replace: changed agent-days and coverage."""
    session = request_session()
    roster = _roster(roster_id)
    against_id = request.args.get("against", type=int)
    against = _roster(against_id) if against_id is not None else published_counterpart(
        session, roster)
    changes = roster_diff(session, against, roster) if against is not None else []
    return render_template(
        "coordinator/compare.html",
        roster=roster,
        against=against,
        changes=changes,
        agents_changed=len({c.agent_id for c in changes}),
        deltas=coverage_delta(session, against, roster) if against is not None else [],
    )


@bp.route("/<int:roster_id>/replan", methods=["POST"])
def replan(roster_id: int):  # noqa: ANN201
    """Re-plan a published roster's period: approved requests and time off, fewest changes."""
    session = request_session()
    _roster(roster_id)
    try:
        limit = float(request.form.get("time_limit_seconds", DEFAULT_REPLAN_SECONDS))
        job = submit_replan_job(session, base_roster_id=roster_id, time_limit_seconds=limit,
                                created_by=current_user.username)
    except ValueError as error:
        flash(f"Cannot re-plan that: {error}", "error")
        return redirect(url_for("coordinator.roster", roster=roster_id), 303)
    session.commit()
    start_job(current_app.extensions["vuoro_engine"], job.id,
              redis_url=current_app.config.get("REDIS_URL"))
    return redirect(url_for("coordinator.job", job_id=job.id), 303)


class ShiftForm(FlaskForm):
    """One agent-day of a roster, by hand (Helsinki wall-clock times)."""

    off = BooleanField("No shift this day")
    start = TimeField("Start", validators=[Optional()])
    end = TimeField("End", validators=[Optional()])
    break_start = TimeField("Meal break from", validators=[Optional()])
    break_end = TimeField("Meal break until", validators=[Optional()])
    blocks = TextAreaField("Blocks, one per line: 08:00-12:00 queue-key",
                           validators=[Optional(), Length(max=2000)])


@bp.route("/<int:roster_id>/edit/<agent_key>/<day>", methods=["GET", "POST"])
def edit_shift(roster_id: int, agent_key: str, day: str):  # noqa: ANN201
    """Edit one agent-day: every hard rule it breaks is shown; saving makes a new draft."""
    session = request_session()
    roster = _roster(roster_id)
    agent = session.exec(select(m.Agent).where(m.Agent.key == agent_key)).first()
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if agent is None or not roster.start_day <= when < roster.start_day + timedelta(
            days=roster.days):
        abort(404)
    skills = sorted(q.key for q in session.exec(
        select(m.Queue).join(m.AgentSkill, m.AgentSkill.queue_id == m.Queue.id)
        .where(m.AgentSkill.agent_id == agent.id)))
    current = next((s for s in load_roster(session, roster.id).shifts
                    if s.agent == agent.key and s.day == when), None)
    form = ShiftForm() if request.method == "POST" else ShiftForm(data=_form_data(roster,
                                                                               current))
    check, problem = None, None
    if form.is_submitted() and form.validate():
        edit = ShiftEdit(off=form.off.data, start=form.start.data, end=form.end.data,
                         break_start=form.break_start.data, break_end=form.break_end.data,
                         blocks=form.blocks.data or "")
        queue_keys = {q.key for q in session.exec(select(m.Queue))}
        try:
            shift = build_shift(roster, agent.key, when, edit, queue_keys)
        except EditError as error:
            problem = str(error)
        else:
            check = check_edit(session, roster, agent.key, when, shift)
            if request.form.get("action") == "save":
                draft = save_edit(session, roster, check, agent_name=agent.name, day=when,
                                  username=current_user.username)
                if check.violations:
                    flash(f"Saved as draft #{draft.id}, but it breaks {len(check.violations)} "
                          "hard rules: fix them before publishing.", "error")
                else:
                    flash(f"Saved as draft #{draft.id}. The roster it came from is unchanged.",
                          "ok")
                return redirect(url_for("revisions.compare", roster_id=draft.id), 303)
    return render_template(
        "coordinator/edit_shift.html", roster=roster, agent=agent, day=when, form=form,
        current=current, skills=skills, check=check, problem=problem,
        zone=grid_of_roster(roster),
    ), (400 if problem or form.errors else 200)


def grid_of_roster(roster: m.Roster) -> ZoneInfo:
    """The roster's time zone, for showing local times."""
    return grid_of(roster).zone


def _form_data(roster: m.Roster, shift) -> dict:  # noqa: ANN001
    """The form's initial values from a stored shift (or a day off)."""
    if shift is None:
        return {"off": True}
    zone = grid_of_roster(roster)

    def clock(instant):  # noqa: ANN001, ANN202
        return instant.astimezone(zone).time()

    meal = next((b for b in shift.breaks if b.kind == "meal"), None)
    blocks = "\n".join(f"{clock(a.start):%H:%M}-{clock(a.end):%H:%M} {a.queue}"
                       for a in shift.activities)
    return {"off": False, "start": clock(shift.start), "end": clock(shift.end),
            "break_start": clock(meal.start) if meal else None,
            "break_end": clock(meal.end) if meal else None, "blocks": blocks}
