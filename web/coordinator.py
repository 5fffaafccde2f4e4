"""Coordinator pages: the week's roster for all clients, coverage per queue, publishing."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlmodel import col, select

from web import models as m
from web.auth import role_required
from web.charts import coverage_svg
from web.db import request_session
from web.planning import PublishError, grid_of, publish
from web.reports import coverage, roster_week

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")


@bp.before_request
@role_required("coordinator")
def _only_coordinators() -> None:
    """Every page here is for coordinators only."""


def _chosen_roster() -> tuple[m.Roster | None, list[m.Roster]]:
    """The roster named in ?roster=, else the newest one, and every roster for the picker."""
    session = request_session()
    rosters = session.exec(select(m.Roster).order_by(col(m.Roster.id).desc())).all()
    wanted = request.args.get("roster", type=int)
    if wanted is None:
        return (rosters[0] if rosters else None), rosters
    roster = session.get(m.Roster, wanted)
    if roster is None:
        abort(404)
    return roster, rosters


@bp.route("/roster")
def roster():  # noqa: ANN201
    """Agents × days: who works when, for which clients."""
    chosen, rosters = _chosen_roster()
    if chosen is None:
        return render_template("coordinator/empty.html")
    rows = roster_week(request_session(), chosen)
    return render_template(
        "coordinator/roster.html",
        roster=chosen,
        rosters=rosters,
        days=grid_of(chosen).day_list,
        rows=rows,
        staffed=sum(1 for r in rows if r.shifts_by_day),
    )


@bp.route("/coverage")
def coverage_page():  # noqa: ANN201
    """Required vs scheduled agents for every queue, client by client."""
    chosen, rosters = _chosen_roster()
    if chosen is None:
        return render_template("coordinator/empty.html")
    queues = coverage(request_session(), chosen)
    charts = {
        qc.queue.key: coverage_svg(
            qc.starts, qc.required, qc.scheduled, title=f"{qc.client.name} {qc.queue.name}"
        )
        for qc in queues
    }
    return render_template(
        "coordinator/coverage.html", roster=chosen, rosters=rosters, queues=queues, charts=charts
    )


@bp.route("/rosters/<int:roster_id>/publish", methods=["POST"])
def publish_roster(roster_id: int):  # noqa: ANN201
    """Publish a draft roster to agents and clients."""
    session = request_session()
    try:
        published = publish(session, roster_id)
        session.commit()
    except PublishError as error:
        session.rollback()
        flash(str(error), "error")
        return redirect(url_for("coordinator.roster", roster=roster_id)), 303
    flash(f"Roster published as version {published.version}.", "ok")
    return redirect(url_for("coordinator.roster", roster=roster_id)), 303
