"""Coordinator forecast pages: forecast vs actual per queue, and overrides with an audit trail."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import col, func, select

from web import models as m
from web.auth import role_required
from web.charts import forecast_svg
from web.db import request_session
from web.form_errors import flash_form_errors
from web.overrides import (
    OverrideForm,
    add_override,
    all_overrides,
    target_choices,
    withdraw_override,
)
from web.reports import forecast_vs_actual

bp = Blueprint("forecasting", __name__, url_prefix="/coordinator/forecast")


@bp.before_request
@role_required("coordinator")
def _only_coordinators() -> None:
    """Every page here is for coordinators only."""


@bp.route("/", methods=["GET", "POST"])
def forecast_page():  # noqa: ANN201
    """The newest forecast of one queue against actual contacts; add or withdraw overrides."""
    session = request_session()
    form = OverrideForm()
    form.target.choices = target_choices(session)
    if form.is_submitted():
        if form.validate():
            add_override(session, form, username=current_user.username)
            session.commit()
            flash("Override saved: the next forecast run applies it.", "ok")
            return redirect(url_for("forecasting.forecast_page", queue=request.args.get("queue")),
                            303)
        flash_form_errors(form)
    queues = session.exec(select(m.Queue).order_by(m.Queue.name)).all()
    if not queues:
        abort(404)
    key = request.args.get("queue") or queues[0].key
    queue = next((q for q in queues if q.key == key), None)
    if queue is None:
        abort(404)
    latest = session.exec(select(m.Forecast).order_by(col(m.Forecast.version).desc())).first()
    chart = view = None
    models: list[tuple[str, float]] = []
    if latest is not None:
        view = forecast_vs_actual(session, queue, latest)
        chart = forecast_svg(view.starts, view.predicted, view.low, view.high, view.actual,
                             title=f"{queue.name}: forecast v{latest.version} vs actual")
        models = _models_used(session, latest, queue)
    status = 400 if form.errors else 200
    return render_template("coordinator/forecast.html", queues=queues, queue=queue,
                           forecast=latest, chart=chart, form=form, models=models,
                           overrides=all_overrides(session)), status


def _models_used(session, forecast: m.Forecast, queue: m.Queue) -> list[tuple[str, float]]:  # noqa: ANN001
    """How a stored forecast forecast a queue: each model note and on how many days."""
    rows = session.exec(
        select(m.ForecastInterval.model, func.count())
        .where(m.ForecastInterval.forecast_id == forecast.id,
               m.ForecastInterval.queue_id == queue.id)
        .group_by(m.ForecastInterval.model)
    ).all()
    per_day = 1440 / forecast.interval_minutes
    return sorted(((note, round(count / per_day, 1)) for note, count in rows),
                  key=lambda item: -item[1])


@bp.route("/overrides/<int:override_id>/withdraw", methods=["POST"])
def withdraw(override_id: int):  # noqa: ANN201
    """Withdraw an override (it stays in the audit trail)."""
    session = request_session()
    try:
        withdraw_override(session, override_id, username=current_user.username)
    except LookupError:
        abort(404)
    session.commit()
    flash("Override withdrawn.", "ok")
    return redirect(url_for("forecasting.forecast_page"), 303)
