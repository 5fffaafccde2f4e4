"""Coordinator pages on roster versions: compare a draft with the published roster, re-plan."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from web import models as m
from web.auth import role_required
from web.compare import coverage_delta, published_counterpart, roster_diff
from web.db import request_session
from web.jobs import start_job, submit_replan_job

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
