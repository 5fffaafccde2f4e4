"""The Erlang calculator as a page for coordinators: the same figures as `vuoro erlang`."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_wtf import FlaskForm
from wtforms import FloatField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from scheduler.erlang_calculator import CalculatorInput, calculate, input_errors
from web.auth import role_required

bp = Blueprint("calculator", __name__, url_prefix="/coordinator")


def _strictly_between(low: float, high: float):  # noqa: ANN202
    """A validator: low < value < high (NumberRange includes its ends)."""

    def check(_form: FlaskForm, field) -> None:  # noqa: ANN001
        if field.data is not None and not low < field.data < high:
            raise ValidationError(f"must be more than {low:g} and less than {high:g}")

    return check


class ErlangForm(FlaskForm):
    """One interval's contacts and target; shares are typed as percentages."""

    contacts = FloatField("Contacts in the interval",
                          validators=[InputRequired("enter the contacts"), NumberRange(min=0)])
    interval_minutes = IntegerField("Interval (minutes)", default=30, validators=[
        InputRequired("enter the interval length"), NumberRange(min=1, max=1440)])
    aht_seconds = FloatField("AHT (seconds)", validators=[
        InputRequired("enter the average handle time"), _strictly_between(0, 86400)])
    target_percent = FloatField("Service level target (%)", default=80, validators=[
        InputRequired("enter the target"), _strictly_between(0, 100)])
    answer_seconds = FloatField("Answered within (seconds)", default=20, validators=[
        InputRequired("enter the answer time"), NumberRange(min=0, max=86400)])
    max_occupancy_percent = FloatField("Maximum occupancy (%)", default=85, validators=[
        InputRequired("enter the occupancy cap"), NumberRange(min=1, max=100)])
    shrinkage_percent = FloatField("Shrinkage (%)", default=0, validators=[
        InputRequired("enter the shrinkage (0 for none)"), NumberRange(min=0, max=99)])
    patience_seconds = FloatField("Mean caller patience (seconds, optional: Erlang A)",
                                  validators=[Optional(), _strictly_between(0, 86400)])

    def values(self) -> CalculatorInput:
        """The calculator's input from validated fields."""
        return CalculatorInput(
            contacts=self.contacts.data,
            interval_minutes=self.interval_minutes.data,
            aht_seconds=self.aht_seconds.data,
            target=self.target_percent.data / 100,
            answer_seconds=self.answer_seconds.data,
            max_occupancy=self.max_occupancy_percent.data / 100,
            shrinkage=self.shrinkage_percent.data / 100,
            patience_seconds=self.patience_seconds.data,
        )


@bp.route("/erlang", methods=["GET", "POST"])
@role_required("coordinator")
def erlang_page():  # noqa: ANN201
    """The form, and on a valid post the requirement and its figures."""
    form = ErlangForm()
    result = None
    if form.validate_on_submit():
        # each field is in range; together they may still ask for an unstaffable load
        for name, text in input_errors(form.values()).items():
            getattr(form, name).errors.append(text)
        result = None if form.errors else calculate(form.values())
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template("coordinator/calculator.html", form=form, result=result), status
