"""Coordinators' per-client dashboard for the coming weeks: forecast, requirement, coverage,
projected service level, billable hours and shortfalls explained."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, render_template, request
from sqlmodel import select

from web import models as m
from web.auth import role_required
from web.charts import forecast_coverage_svg
from web.clock import today
from web.db import request_session
from web.outlook import client_outlook, upcoming_published

bp = Blueprint("dashboard", __name__, url_prefix="/coordinator/clients")
COMING_WEEKS = 4
MAX_EXPLAINED = 20


@bp.before_request
@role_required("coordinator")
def _only_coordinators() -> None:
    """Every page here is for coordinators only."""


def _coming_mondays() -> list:
    """This week's Monday and the next few."""
    monday = today() - timedelta(days=today().weekday())
    return [monday + timedelta(weeks=w) for w in range(COMING_WEEKS)]


@bp.route("/")
def clients():  # noqa: ANN201
    """Every client, week by week: projected service level, shortfall, billable hours."""
    session = request_session()
    rosters = upcoming_published(session, today())
    rows = []
    for client in session.exec(select(m.Client).order_by(m.Client.name)):
        weeks = []
        for roster in rosters:
            outlook = client_outlook(session, client, roster)
            contacts = sum(d.contacts for d in outlook.days)
            level = (sum(d.service_level * d.contacts for d in outlook.days
                         if d.service_level is not None) / contacts) if contacts else None
            weeks.append((roster, level, sum(d.short_hours for d in outlook.days),
                          outlook.billable_hours))
        rows.append((client, weeks))
    return render_template("coordinator/clients.html", rows=rows, rosters=rosters,
                           mondays=_coming_mondays())


@bp.route("/<client_key>")
def client_dashboard(client_key: str):  # noqa: ANN201
    """One client's coming weeks in detail, with its shortfalls in words."""
    session = request_session()
    client = session.exec(select(m.Client).where(m.Client.key == client_key)).first()
    if client is None:
        abort(404)
    rosters = upcoming_published(session, today())
    wanted = request.args.get("week")
    chosen = next((r for r in rosters if r.start_day.isoformat() == wanted), None) if wanted \
        else (rosters[0] if rosters else None)
    if wanted and chosen is None:
        abort(404)
    outlook = client_outlook(session, client, chosen, explain=True) if chosen else None
    charts = {
        qc.queue.key: forecast_coverage_svg(qc.starts, qc.forecast_contacts, qc.scheduled,
                                            qc.required, title=f"{client.name} {qc.queue.name}")
        for qc in (outlook.queues if outlook else [])
    }
    planned = {r.start_day for r in rosters}
    return render_template(
        "coordinator/client.html", client=client, rosters=rosters, outlook=outlook,
        charts=charts, max_explained=MAX_EXPLAINED,
        unplanned=[d for d in _coming_mondays() if d not in planned],
    )
