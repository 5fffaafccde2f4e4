"""Coordinators' forecast overrides: uplifts over date ranges, with who changed what and when."""

from __future__ import annotations

from flask_wtf import FlaskForm
from sqlmodel import Session, col, select
from wtforms import DateField, FloatField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from forecasts.special import Uplift
from scheduler.grid import Grid
from web import models as m


class OverrideForm(FlaskForm):
    """An uplift: which queue or client, which days, how many percent, and why."""

    target = SelectField("Queue or client", validators=[DataRequired()])
    start_day = DateField("From", validators=[InputRequired()])
    end_day = DateField("Until (inclusive)", validators=[InputRequired()])
    percent = FloatField("Change (%)", validators=[InputRequired(), NumberRange(-90, 500)])
    reason = StringField("Reason", validators=[DataRequired(), Length(max=300)])

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        """Field checks, then: the range runs forward and is at most a quarter long."""
        if not super().validate(extra_validators):
            return False
        if self.end_day.data < self.start_day.data:
            self.end_day.errors.append("must not be before the first day")
            return False
        if (self.end_day.data - self.start_day.data).days > 92:
            self.end_day.errors.append("an override covers at most 93 days")
            return False
        return True


def target_choices(session: Session) -> list[tuple[str, str]]:
    """Every client (all its queues) and every queue, as (key, label)."""
    clients = session.exec(select(m.Client).order_by(m.Client.name)).all()
    queues = session.exec(select(m.Queue).order_by(m.Queue.name)).all()
    return [(c.key, f"{c.name}: all queues") for c in clients] + [(q.key, q.name) for q in queues]


def add_override(session: Session, form: OverrideForm, *, username: str) -> m.ForecastOverride:
    """Store a validated override (the caller commits)."""
    override = m.ForecastOverride(
        target=form.target.data,
        start_day=form.start_day.data,
        end_day=form.end_day.data,
        percent=float(form.percent.data),
        reason=form.reason.data.strip(),
        created_by=username,
    )
    session.add(override)
    return override


def withdraw_override(session: Session, override_id: int, *, username: str) -> m.ForecastOverride:
    """Withdraw an override; it stays in the audit trail (the caller commits)."""
    override = session.get(m.ForecastOverride, override_id)
    if override is None:
        raise LookupError(f"override {override_id} does not exist")
    if override.withdrawn_at is None:
        override.withdrawn_at = m.utcnow()
        override.withdrawn_by = username
        session.add(override)
    return override


def all_overrides(session: Session) -> list[m.ForecastOverride]:
    """Every override, newest first (the audit trail)."""
    return list(session.exec(
        select(m.ForecastOverride).order_by(col(m.ForecastOverride.created_at).desc())
    ))


def active_uplifts(session: Session, grid: Grid) -> list[Uplift]:
    """Overrides in force that touch the grid's period, as the forecaster's uplifts."""
    first, last = grid.day_list[0], grid.day_list[-1]
    query = select(m.ForecastOverride).where(
        m.ForecastOverride.withdrawn_at == None,  # noqa: E711
        m.ForecastOverride.start_day <= last,
        m.ForecastOverride.end_day >= first,
    )
    return [
        Uplift(o.target, o.start_day, o.end_day, o.percent, f"{o.reason} ({o.created_by})")
        for o in session.exec(query)
    ]
