"""Client pages: coverage of the client's own queues in the published roster."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from wtforms.fields.choices import SelectChoice

from web import models as m
from web.auth import role_required
from web.capacity import (
    CapacityRequestForm,
    already_submitted,
    create_request,
    request_coverage,
    requests_of,
)
from web.client_week import client_week
from web.clock import helsinki_day, today
from web.db import request_session
from web.outlook import upcoming_published
from web.planning import published_roster

bp = Blueprint("client", __name__)


@bp.route("/client")
@role_required("client")
def my_coverage():  # noqa: ANN201
    """The signed-in client's own coverage."""
    client = request_session().get(m.Client, current_user.client_id)
    if client is None:
        abort(404)
    return redirect(url_for("client.coverage_page", client_key=client.key))


@bp.route("/client/requests")
@role_required("client")
def my_requests():  # noqa: ANN201
    """The signed-in client's own capacity requests."""
    client = request_session().get(m.Client, current_user.client_id)
    if client is None:
        abort(404)
    return redirect(url_for("client.capacity_requests", client_key=client.key))


@bp.route("/clients/<client_key>/coverage")
@role_required("client", "coordinator")
def coverage_page(client_key: str):  # noqa: ANN201
    """One client's own queues in a published week: forecast vs coverage, projected service
    level per day, planned billable hours, and what became of its approved requests."""
    session = request_session()
    client = _visible_client(client_key)
    weeks = upcoming_published(session, today())
    roster = _chosen_week(weeks) or published_roster(session, today()) or published_roster(
        session)
    if roster is None:
        return render_template("client/coverage.html", client=client, roster=None, weeks=[])
    week = client_week(session, client, roster)
    end = roster.start_day + timedelta(days=roster.days)
    in_period = [r for r in requests_of(session, client.id)
                 if r.status == "approved" and roster.start_day <= helsinki_day(r.start) < end]
    return render_template(
        "client/coverage.html",
        client=client,
        roster=roster,
        weeks=weeks,
        outlook=week.outlook,
        outcomes=request_coverage(session, in_period),
        queue_names={qc.queue.id: qc.queue.name for qc in week.outlook.queues},
        charts=week.charts,
        backlogs=week.backlogs,
        backlog_charts=week.backlog_charts,
        daily=week.daily,
        hours_per_interval=roster.interval_minutes / 60,
    )


def _file_request(form: CapacityRequestForm, client: m.Client):  # noqa: ANN202
    """Store a validated request once: a repeated submission of the same form adds nothing."""
    session = request_session()
    back = redirect(url_for("client.capacity_requests", client_key=client.key), 303)
    if already_submitted(session, form, user_id=current_user.id) is None:
        create_request(session, form, client_id=client.id, user_id=current_user.id)
        try:
            session.commit()
        except IntegrityError:  # the same form arrived twice at once: the other one was first
            session.rollback()
        else:
            flash("Request sent. The coordinators will answer it here.", "ok")
            return back
    flash("This form was already sent: the request is listed below, once.", "ok")
    return back


def _chosen_week(weeks: list[m.Roster]) -> m.Roster | None:
    """The published week named in ?week= (404 when it names none)."""
    wanted = request.args.get("week")
    if wanted is None:
        return None
    found = next((r for r in weeks if r.start_day.isoformat() == wanted), None)
    if found is None:
        abort(404)
    return found


def _visible_client(client_key: str) -> m.Client:
    """The client named in the URL, if the signed-in user may see it (else 403/404)."""
    client = request_session().exec(select(m.Client).where(m.Client.key == client_key)).first()
    if client is None:
        abort(404)
    if current_user.role == "client" and current_user.client_id != client.id:
        abort(403)
    return client


@bp.route("/clients/<client_key>/requests", methods=["GET", "POST"])
@role_required("client", "coordinator")
def capacity_requests(client_key: str):  # noqa: ANN201
    """A client's capacity requests and their answers; clients file new ones here."""
    session = request_session()
    client = _visible_client(client_key)
    queues = session.exec(select(m.Queue).where(m.Queue.client_id == client.id)).all()
    form = CapacityRequestForm()
    form.queue.choices = [SelectChoice(q.key, q.name) for q in queues]
    if form.is_submitted():
        if current_user.role != "client":
            abort(403)
        if form.validate():
            return _file_request(form, client)
        if form.submission.errors:  # a stale or forged page: a fresh token for the retry
            form.new_submission()
    else:
        form.new_submission()
    names = {q.id: q.name for q in queues}
    requests = requests_of(session, client.id)
    return render_template(
        "client/requests.html",
        client=client,
        form=form,
        requests=requests,
        outcomes=request_coverage(session, requests),
        queue_names=names,
    ), (400 if form.errors else 200)
