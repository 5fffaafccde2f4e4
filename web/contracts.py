"""Coordinator contract settings: working-time and pattern rules per contract, shift rules.

Every rule the scheduler applies per contract (scheduler.domain.Contract) is shown and
editable here; a shift rule's named shift types (early, late, night) with their forbidden
successions, its paid coffee breaks and its penalty per switch of queue too, and the
planning-wide fairness weights. Input is checked by building the solver's own objects, so
whatever saves is what the next plan uses.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlmodel import Session, select
from wtforms import FloatField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from web import models as m
from web.auth import role_required
from web.db import request_session
from web.form_errors import flash_form_errors
from web.planning import contract as to_contract
from web.planning import fairness as to_fairness
from web.planning import planning_settings
from web.planning import shift_rule as to_shift_rule

bp = Blueprint("contracts", __name__, url_prefix="/coordinator/contracts")
HOURS = [NumberRange(0, 24 * 7 * 6)]
LIMIT = re.compile(r"^\s*([\w-]+)\s*=\s*(\d+)\s*$")
CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


@bp.before_request
@role_required("coordinator")
def _only_coordinators() -> None:
    """Every page here is for coordinators only."""


class ContractForm(FlaskForm):
    """A contract's terms in hours and days, as a coordinator reads them."""

    min_hours_per_week = FloatField("Min hours per week", [InputRequired(), *HOURS])
    max_hours_per_week = FloatField("Max hours per week", [InputRequired(), *HOURS])
    max_hours_per_day = FloatField("Max paid hours per day", [InputRequired(), NumberRange(1, 24)])
    min_daily_rest_hours = FloatField("Daily rest (h)", [InputRequired(), NumberRange(0, 24)])
    max_consecutive_days = IntegerField("Max working days in a row",
                                        [InputRequired(), NumberRange(1, 31)])
    min_consecutive_days = IntegerField("Min working days in a row",
                                        [InputRequired(), NumberRange(1, 31)])
    min_consecutive_days_off = IntegerField("Min days off in a row",
                                            [InputRequired(), NumberRange(1, 31)])
    min_hours_per_period = FloatField("Min hours over the planning period",
                                      [InputRequired(), *HOURS])
    max_hours_per_period = FloatField("Max hours over the planning period (empty: none)",
                                      [Optional(), *HOURS])
    max_weekends = IntegerField("Max weekends worked in the period (empty: any)",
                                [Optional(), NumberRange(0, 53)])
    max_shifts_per_type = StringField("Max shifts per type, e.g. night=4, late=10")


MINUTES_A_DAY = [NumberRange(0, 24 * 60)]
WEIGHT = [InputRequired(), NumberRange(0, 10_000)]


class ShiftRuleForm(FlaskForm):
    """A shift rule's types (one a line: key; name; first start; last start; lengths; after),
    its paid coffee breaks and its penalty per switch of queue."""

    shift_types = TextAreaField("Shift types")
    coffee_break_minutes = IntegerField("Coffee break length (min)",
                                        [InputRequired(), NumberRange(1, 120)])
    coffee_break_every_minutes = IntegerField("One coffee break per (min of shift; 0: none)",
                                              [InputRequired(), *MINUTES_A_DAY])
    coffee_break_window_start = IntegerField("Coffee break starts at the earliest (min into "
                                             "its block)", [InputRequired(), *MINUTES_A_DAY])
    coffee_break_window_end = IntegerField("Coffee break starts at the latest (min into its "
                                           "block)", [InputRequired(), *MINUTES_A_DAY])
    switch_weight = IntegerField("Penalty per switch of queue inside a shift", WEIGHT)


class FairnessForm(FlaskForm):
    """The weights of the soft term spreading weekends, evenings and nights over agents."""

    fair_weekend_weight = IntegerField("Per weekend shift above an agent's fair share", WEIGHT)
    fair_evening_weight = IntegerField("Per evening interval above the fair share", WEIGHT)
    fair_night_weight = IntegerField("Per night interval above the fair share", WEIGHT)


def _minutes(hours: float | None) -> int | None:
    """Hours as whole minutes."""
    return None if hours is None else round(hours * 60)


def parse_limits(text: str, known: set[str]) -> dict[str, int]:
    """`night=4, late=10` as a dict; raises ValueError naming the bad part."""
    limits: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        match = LIMIT.match(part)
        if not match:
            raise ValueError(f"{part!r} is not type=count")
        key, count = match.group(1), int(match.group(2))
        if key not in known:
            raise ValueError(f"{key!r} is no shift type of any shift rule "
                             f"(known: {', '.join(sorted(known)) or 'none'})")
        if key in limits:
            raise ValueError(f"{key!r} is limited twice")
        limits[key] = count
    return limits


def known_types(session: Session) -> set[str]:
    """Keys of every shift type of every shift rule."""
    return {t["key"] for r in session.exec(select(m.ShiftRule)) for t in r.shift_types or ()}


@bp.route("/")
def contract_list():  # noqa: ANN201
    """Every contract with its rules, every shift rule with its types, the fairness weights."""
    session = request_session()
    contracts = session.exec(select(m.Contract).order_by(m.Contract.name)).all()
    rules = session.exec(select(m.ShiftRule).order_by(m.ShiftRule.name)).all()
    return render_template("coordinator/contracts.html", contracts=contracts, rules=rules,
                           settings=planning_settings(session))


@bp.route("/<int:contract_id>", methods=["GET", "POST"])
def edit_contract(contract_id: int):  # noqa: ANN201
    """Edit one contract; every value is checked as the scheduler would read it."""
    session = request_session()
    row = session.get(m.Contract, contract_id)
    if row is None:
        abort(404)
    form = ContractForm(data=None if _posted() else _contract_data(row))
    if form.is_submitted():
        if form.validate() and _apply_contract(session, row, form):
            session.commit()
            flash(f"Contract {row.name} saved: the next plan uses it.", "ok")
            return redirect(url_for("contracts.contract_list"), 303)
        session.rollback()
        flash_form_errors(form)
    status = 400 if form.errors else 200
    return render_template("coordinator/contract_edit.html", contract=row, form=form), status


def _posted() -> bool:
    """Whether this request carries a submitted form."""
    return request.method == "POST"


def _contract_data(row: m.Contract) -> dict:
    """A contract row as form values."""
    limits = ", ".join(f"{k}={v}" for k, v in sorted((row.max_shifts_per_type or {}).items()))
    return {
        "min_hours_per_week": row.min_minutes_per_week / 60,
        "max_hours_per_week": row.max_minutes_per_week / 60,
        "max_hours_per_day": row.max_minutes_per_day / 60,
        "min_daily_rest_hours": row.min_daily_rest_minutes / 60,
        "max_consecutive_days": row.max_consecutive_days,
        "min_consecutive_days": row.min_consecutive_days,
        "min_consecutive_days_off": row.min_consecutive_days_off,
        "min_hours_per_period": row.min_minutes_per_period / 60,
        "max_hours_per_period": None if row.max_minutes_per_period is None
        else row.max_minutes_per_period / 60,
        "max_weekends": row.max_weekends,
        "max_shifts_per_type": limits,
    }


def _apply_contract(session: Session, row: m.Contract, form: ContractForm) -> bool:
    """Copy the form onto the row if the scheduler accepts it; errors go on the form."""
    try:
        limits = parse_limits(form.max_shifts_per_type.data, known_types(session))
    except ValueError as exc:
        form.max_shifts_per_type.errors = [str(exc)]
        return False
    if form.max_hours_per_week.data < form.min_hours_per_week.data:
        form.max_hours_per_week.errors = ["must not be below the weekly minimum"]
        return False
    row.min_minutes_per_week = _minutes(form.min_hours_per_week.data)
    row.max_minutes_per_week = _minutes(form.max_hours_per_week.data)
    row.max_minutes_per_day = _minutes(form.max_hours_per_day.data)
    row.min_daily_rest_minutes = _minutes(form.min_daily_rest_hours.data)
    row.max_consecutive_days = form.max_consecutive_days.data
    row.min_consecutive_days = form.min_consecutive_days.data
    row.min_consecutive_days_off = form.min_consecutive_days_off.data
    row.min_minutes_per_period = _minutes(form.min_hours_per_period.data)
    row.max_minutes_per_period = _minutes(form.max_hours_per_period.data)
    row.max_weekends = form.max_weekends.data
    row.max_shifts_per_type = limits
    try:
        to_contract(row)
    except ValueError as exc:
        form.max_hours_per_period.errors = [str(exc)]
        return False
    return True


@bp.route("/shift-rules/<int:rule_id>", methods=["GET", "POST"])
def edit_shift_types(rule_id: int):  # noqa: ANN201
    """Edit a shift rule's named types, coffee breaks and switch penalty, checked as the
    scheduler reads them."""
    session = request_session()
    row = session.get(m.ShiftRule, rule_id)
    if row is None:
        abort(404)
    form = ShiftRuleForm(data=None if _posted() else _shift_rule_data(row))
    if form.is_submitted():
        if form.validate() and _apply_shift_rule(row, form):
            session.commit()
            flash(f"Shift rule {row.name} saved: the next plan uses it.", "ok")
            return redirect(url_for("contracts.contract_list"), 303)
        session.rollback()
        flash_form_errors(form)
    status = 400 if form.errors else 200
    return render_template("coordinator/shift_types_edit.html", rule=row, form=form), status


SHIFT_RULE_SETTINGS = ("coffee_break_minutes", "coffee_break_every_minutes",
                       "coffee_break_window_start", "coffee_break_window_end", "switch_weight")


def _shift_rule_data(row: m.ShiftRule) -> dict:
    """A shift-rule row as form values."""
    return {"shift_types": format_types(row),
            **{name: getattr(row, name) for name in SHIFT_RULE_SETTINGS}}


def _apply_shift_rule(row: m.ShiftRule, form: ShiftRuleForm) -> bool:
    """Copy the form onto the row if the scheduler accepts it; errors go on the form."""
    length, every = form.coffee_break_minutes.data, form.coffee_break_every_minutes.data
    low, high = form.coffee_break_window_start.data, form.coffee_break_window_end.data
    if high < low:
        form.coffee_break_window_end.errors = ["must not be before the earliest start"]
        return False
    if every and high + length > every:
        # scheduler.domain.ShiftRule: each coffee break ends inside its own block
        form.coffee_break_window_end.errors = [
            f"a break starting {high} min into its block ends at {high + length} min, past "
            f"its own {every} min; start it by {every - length} min at the latest"]
        return False
    try:
        row.shift_types = parse_types(form.shift_types.data)
    except ValueError as exc:
        form.shift_types.errors = [str(exc)]
        return False
    for name in SHIFT_RULE_SETTINGS:
        setattr(row, name, form[name].data)
    try:
        to_shift_rule(row)
    except ValueError as exc:
        form.shift_types.errors = [str(exc)]
        return False
    return True


@bp.route("/fairness", methods=["GET", "POST"])
def edit_fairness():  # noqa: ANN201
    """Edit the fairness weights every plan uses."""
    session = request_session()
    row = planning_settings(session)
    form = FairnessForm(data=None if _posted() else {
        name: getattr(row, name) for name in FAIRNESS_SETTINGS})
    if form.is_submitted():
        if form.validate() and _apply_fairness(row, form):
            session.add(row)
            session.commit()
            flash("Fairness weights saved: the next plan uses them.", "ok")
            return redirect(url_for("contracts.contract_list"), 303)
        session.rollback()
        flash_form_errors(form)
    status = 400 if form.errors else 200
    return render_template("coordinator/fairness_edit.html", form=form), status


FAIRNESS_SETTINGS = ("fair_weekend_weight", "fair_evening_weight", "fair_night_weight")


def _apply_fairness(row: m.PlanningSettings, form: FairnessForm) -> bool:
    """Copy the form onto the row if the scheduler accepts it; errors go on the form."""
    for name in FAIRNESS_SETTINGS:
        setattr(row, name, form[name].data)
    try:
        to_fairness(row)
    except ValueError as exc:
        form.fair_weekend_weight.errors = [str(exc)]
        return False
    return True


def _clock(minute: int) -> str:
    """Minutes after midnight as HH:MM (past 24 h for starts after midnight)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def format_types(row: m.ShiftRule) -> str:
    """A rule's types as the form's lines."""
    return "\n".join(
        f"{t['key']}; {t.get('name', '')}; {_clock(t['earliest_start_minute'])}; "
        f"{_clock(t['latest_start_minute'])}; {' '.join(map(str, t['lengths_minutes']))}; "
        f"{' '.join(t.get('not_followed_by', ()))}"
        for t in row.shift_types or ())


def parse_types(text: str) -> list[dict]:
    """The form's lines as stored shift types; raises ValueError naming the line."""
    found = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) != 6:
            raise ValueError(f"line {number}: write key; name; first start; last start; "
                             "lengths in minutes; types that may not follow")
        key, name, first, last, lengths, after = parts
        starts = []
        for clock in (first, last):
            match = CLOCK.match(clock)
            if not match or int(match.group(2)) >= 60:
                raise ValueError(f"line {number}: {clock!r} is not a time like 06:30")
            starts.append(int(match.group(1)) * 60 + int(match.group(2)))
        try:
            minutes = [int(n) for n in lengths.split()]
        except ValueError:
            raise ValueError(f"line {number}: lengths are whole minutes, e.g. 480 510") from None
        if not re.fullmatch(r"[\w-]+", key):
            raise ValueError(f"line {number}: a key is letters, digits, - or _")
        found.append({"key": key, "name": name, "earliest_start_minute": starts[0],
                      "latest_start_minute": starts[1], "lengths_minutes": minutes,
                      "not_followed_by": after.split()})
    return found
