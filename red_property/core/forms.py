"""Small helpers every HTML form view shares: run a service, show its complaint.

Views validate a Flask-WTF form, call one service, and on ``InputError`` show
the message beside the field it names (or at the top of the page when the
form has no such field), re-rendering with 400 (the form's own checks) or 422
(the service refused).
"""
from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from red_property.core.errors import InputError


def show_error(form: FlaskForm, exc: InputError, aliases: dict[str, str] | None = None) -> None:
    """Put a service's message beside its field (``aliases`` maps service fields to form fields)."""
    field = getattr(form, (aliases or {}).get(exc.field, exc.field), None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(exc)]
    else:
        flash(str(exc), "error")


def submit(form: FlaskForm, save, rerender, aliases: dict[str, str] | None = None):
    """Validate ``form``, then ``save()`` (the service call, returning the response).

    Bad input re-renders the page (``rerender(status)``) with each message beside
    its field: 400 when the form's own checks fail, 422 when the service refuses.
    """
    if not form.validate_on_submit():
        return rerender(400)
    try:
        return save()
    except InputError as exc:
        from red_property.extensions import db

        db.session.rollback()
        show_error(form, exc, aliases)
        return rerender(422)


def uploaded(field) -> tuple[str, bytes] | None:
    """(file name, bytes) of a file field, or None when no file was chosen."""
    data = field.data
    if data is None or not getattr(data, "filename", ""):
        return None
    return data.filename, data.read()
