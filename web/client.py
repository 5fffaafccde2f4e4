"""Client pages: coverage of the client's own queues in the published roster."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from sqlmodel import select

from web import models as m
from web.auth import role_required
from web.charts import coverage_svg
from web.clock import today
from web.db import request_session
from web.planning import published_roster
from web.reports import coverage, daily_coverage

bp = Blueprint("client", __name__)


@bp.route("/client")
@role_required("client")
def my_coverage():  # noqa: ANN201
    """The signed-in client's own coverage."""
    client = request_session().get(m.Client, current_user.client_id)
    if client is None:
        abort(404)
    return redirect(url_for("client.coverage_page", client_key=client.key))


@bp.route("/clients/<client_key>/coverage")
@role_required("client", "coordinator")
def coverage_page(client_key: str):  # noqa: ANN201
    """Requirement vs scheduled agents for one client's queues only, in the current roster."""
    session = request_session()
    client = session.exec(select(m.Client).where(m.Client.key == client_key)).first()
    if client is None:
        abort(404)
    if current_user.role == "client" and current_user.client_id != client.id:
        abort(403)
    roster = published_roster(session, today()) or published_roster(session)
    if roster is None:
        return render_template("client/coverage.html", client=client, roster=None)
    queues = coverage(session, roster, client_id=client.id)
    charts = {
        qc.queue.key: coverage_svg(qc.starts, qc.required, qc.scheduled, title=qc.queue.name)
        for qc in queues
    }
    return render_template(
        "client/coverage.html",
        client=client,
        roster=roster,
        queues=queues,
        charts=charts,
        daily=daily_coverage(queues),
        hours_per_interval=roster.interval_minutes / 60,
    )
