"""A refused form's errors as one flash message, each field by its label."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm


def flash_form_errors(form: FlaskForm) -> None:
    """Flash `Label: error; Label: error` for every field the form refused."""
    flash("; ".join(f"{form[name].label.text}: {' '.join(errors)}"
                    for name, errors in form.errors.items()), "error")
