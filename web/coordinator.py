"""Coordinator pages: the week's roster for all clients, coverage per queue, publishing."""

from __future__ import annotations

import math
from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as browser_session
from flask_login import current_user
from sqlmodel import col, select

from forecasts.history import MAX_REPORTED_PROBLEMS, HistoryError
from web import models as m
from web.auth import role_required
from web.capacity import AnswerForm, answer_request, requests_of
from web.client_week import coverage_week
from web.clock import helsinki_day, today
from web.compare import published_counterpart
from web.db import MAX_ID, request_session
from web.history_import import import_history_csv
from web.jobs import (
    mark_stale_jobs,
    request_cancel,
    start_job,
    submit_plan_job,
    submit_replan_job,
)
from web.planning import (
    PublishError,
    grid_of,
    publish_and_commit,
    published_roster,
    shortfall_notes,
)
from web.reports import roster_week

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
    roster = session.get(m.Roster, wanted) if 0 < wanted <= MAX_ID else None
    if roster is None:
        abort(404)
    return roster, rosters


SHORTFALLS_SHOWN = 12  # short periods listed under the roster; the rest are counted


@bp.route("/roster")
def roster():  # noqa: ANN201
    """Agents × days: who works when, for which clients."""
    chosen, rosters = _chosen_roster()
    if chosen is None:
        return render_template("coordinator/empty.html")
    rows = roster_week(request_session(), chosen)
    bound = chosen.best_bound
    gap = (chosen.objective - bound) / chosen.objective if bound > 0 and chosen.objective else None
    return render_template(
        "coordinator/roster.html",
        roster=chosen,
        rosters=rosters,
        counterpart=published_counterpart(request_session(), chosen)
        if chosen.status == "draft" else None,
        days=grid_of(chosen).day_list,
        rows=rows,
        staffed=sum(1 for r in rows if r.shifts_by_day),
        gap=gap,
        shortfalls=shortfall_notes(request_session(), chosen),
        shown=SHORTFALLS_SHOWN,
    )


@bp.route("/coverage")
def coverage_page():  # noqa: ANN201
    """Required vs scheduled agents for every queue, client by client."""
    chosen, rosters = _chosen_roster()
    if chosen is None:
        return render_template("coordinator/empty.html")
    week = coverage_week(request_session(), chosen)
    return render_template(
        "coordinator/coverage.html", roster=chosen, rosters=rosters, queues=week.queues,
        charts=week.charts, backlogs=week.backlogs, backlog_charts=week.backlog_charts,
    )


@bp.route("/rosters/<int:roster_id>/publish", methods=["POST"])
def publish_roster(roster_id: int):  # noqa: ANN201
    """Publish a draft roster to agents and clients."""
    session = request_session()
    expected = request.form.get("lock_version", type=int)
    try:
        published = publish_and_commit(session, roster_id, expected)
    except PublishError as error:
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
    """Approve (and re-plan the published roster at once, if asked) or decline a request."""
    session = request_session()
    form = AnswerForm()
    if not form.validate():
        flash("; ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("coordinator.request_inbox"), 303)
    try:
        answered = answer_request(session, request_id, form, username=current_user.username)
    except LookupError:
        abort(404)
    except ValueError as error:
        flash(str(error), "error")
        return redirect(url_for("coordinator.request_inbox"), 303)
    job = None
    if answered.status == "approved" and form.replan.data:
        base = published_roster(session, helsinki_day(answered.start))
        if base is not None:
            job = submit_replan_job(session, base_roster_id=base.id,
                                    time_limit_seconds=form.time_limit_seconds.data or 30,
                                    created_by=current_user.username,
                                    capacity_request_id=answered.id)
    session.commit()
    if job is not None:
        start_job(current_app.extensions["vuoro_engine"], job.id,
                  redis_url=current_app.config.get("REDIS_URL"))
        flash(f"Request {answered.id} approved: re-planning the published roster, keeping as "
              "many shifts as it can. Review the changes, then publish.", "ok")
        return redirect(url_for("coordinator.job", job_id=job.id), 303)
    if answered.status == "approved":
        flash(f"Request {answered.id} approved: the next plan or re-plan of that week adds it.",
              "ok")
    else:
        flash(f"Request {answered.id} declined.", "ok")
    return redirect(url_for("coordinator.request_inbox"), 303)


@bp.route("/history", methods=["GET", "POST"])
def history_upload():  # noqa: ANN201
    """Upload a contact-history CSV: validated whole, stored whole or not at all."""
    page = {"max_listed": MAX_REPORTED_PROBLEMS, "rejected": (), "rejected_total": 0}
    if request.method == "POST":
        upload = request.files.get("history")
        if upload is None or not upload.filename:
            flash("Choose a CSV file to upload.", "error")
            return render_template("coordinator/history.html", **page), 400
        session = request_session()
        try:
            text = _utf8_text(upload.read())
            report = import_history_csv(session, text)
            session.commit()
        except HistoryError as error:
            session.rollback()
            flash(f"Nothing was imported: {error}", "error")
            page |= {"rejected": error.problems, "rejected_total": error.total,
                     "filename": upload.filename}
            return render_template("coordinator/history.html", **page), 400
        flash(
            f"Imported {report.rows:,} intervals for {len(report.queues)} queues "
            f"({report.replaced:,} replaced), {report.first:%d.%m.%Y} to {report.last:%d.%m.%Y}.",
            "ok",
        )
        browser_session["history_quality"] = list(report.quality)
        return redirect(url_for("coordinator.history_upload"), 303)
    page["quality"] = browser_session.pop("history_quality", None)
    return render_template("coordinator/history.html", **page)


def _utf8_text(data: bytes) -> str:
    """An upload's bytes as text; a file that is not UTF-8 is refused saying where."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise HistoryError(
            f"line {line}: the file is not UTF-8 text (byte 0x{data[error.start]:02x}); "
            "save it as 'CSV UTF-8' and upload it again"
        ) from error


def _plan_fields(form) -> tuple[date, int, float]:  # noqa: ANN001
    """The plan form's first day, days and solver time limit (ValueError says which is wrong)."""
    try:
        start_day = date.fromisoformat(form.get("start_day", "").strip())
    except ValueError:
        raise ValueError("the first day must be a date (YYYY-MM-DD)") from None
    try:
        days = int(form.get("days", "7").strip())
    except ValueError:
        raise ValueError("days must be a whole number from 1 to 28") from None
    try:
        limit = float(form.get("time_limit_seconds", "60").strip())
    except ValueError:
        raise ValueError("the solver time limit must be a number of seconds") from None
    if not math.isfinite(limit):
        raise ValueError("the solver time limit must be a number of seconds")
    return start_day, days, limit


@bp.route("/plan", methods=["GET", "POST"])
def plan():  # noqa: ANN201
    """Start a forecast → staffing → roster run for a period, as a background job."""
    session = request_session()
    if request.method == "POST":
        try:
            start_day, days, limit = _plan_fields(request.form)
            kind = "forecast" if request.form.get("what") == "forecast" else "plan"
            job = submit_plan_job(session, start_day=start_day, days=days,
                                  time_limit_seconds=limit, created_by=current_user.username,
                                  kind=kind)
        except ValueError as error:
            flash(f"Cannot plan that: {error}", "error")
            return redirect(url_for("coordinator.plan"), 303)
        session.commit()
        start_job(current_app.extensions["vuoro_engine"], job.id,
                  redis_url=current_app.config.get("REDIS_URL"))
        return redirect(url_for("coordinator.job", job_id=job.id), 303)
    if mark_stale_jobs(session):
        session.commit()
    jobs = session.exec(select(m.Job).order_by(col(m.Job.id).desc()).limit(20)).all()
    monday = today() + timedelta(days=7 - today().weekday())
    return render_template("coordinator/plan.html", jobs=jobs, next_monday=monday)


@bp.route("/jobs/<int:job_id>")
def job(job_id: int):  # noqa: ANN201
    """A planning job's live status (the page refreshes itself while the job runs)."""
    session = request_session()
    if mark_stale_jobs(session):
        session.commit()
    found = session.get(m.Job, job_id)
    if found is None:
        abort(404)
    return render_template("coordinator/job.html", job=found)


@bp.route("/jobs/<int:job_id>/cancel", methods=["POST"])
def cancel_job(job_id: int):  # noqa: ANN201
    """Ask a running job to stop without saving anything."""
    session = request_session()
    try:
        request_cancel(session, job_id)
    except LookupError:
        abort(404)
    session.commit()
    return redirect(url_for("coordinator.job", job_id=job_id), 303)
