"""Coordinator pages: the week's roster for all clients, coverage per queue, publishing."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlmodel import col, select

from web import models as m
from web.auth import role_required
from web.capacity import AnswerForm, answer_request, requests_of
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


@bp.route("/requests")
def request_inbox():  # noqa: ANN201
    """Every client's capacity requests, open ones first, with a form to answer each."""
    session = request_session()
    requests = sorted(requests_of(session), key=lambda r: r.status != "open")
    queues = {q.id: q for q in session.exec(select(m.Queue))}
    clients = {c.id: c for c in session.exec(select(m.Client))}
    return render_template(
        "coordinator/requests.html",
        requests=requests,
        queues=queues,
        clients=clients,
        form=AnswerForm(),
    )


@bp.route("/requests/<int:request_id>/answer", methods=["POST"])
def answer(request_id: int):  # noqa: ANN201
    """Approve or decline a capacity request."""
    session = request_session()
    form = AnswerForm()
    if not form.validate():
        flash("; ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("coordinator.request_inbox"), 303)
    try:
        answered = answer_request(session, request_id, form)
    except LookupError:
        abort(404)
    except ValueError as error:
        flash(str(error), "error")
        return redirect(url_for("coordinator.request_inbox"), 303)
    session.commit()
    flash(f"Request {answered.id} {answered.status}.", "ok")
    return redirect(url_for("coordinator.request_inbox"), 303)
