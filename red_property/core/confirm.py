"""Irreversible actions: a button that first says what cannot be undone, and a server that insists.

An action is declared once with ``Irreversible`` (what it is called, what cannot be
undone, the confirming button's words).  Templates draw it with the ``confirm_button``
macro (``templates/confirm.html``): a button that, with script, opens a ``<dialog>``
saying the consequence; its confirming button posts ``confirm=yes``.  Without script
the first button posts without it, and the view answers with ``ask()``: a 400 page that
says the same and offers the confirming button (every other field of the form is
carried over, so a form with a reason works the same way).  So no POST that lacks the
confirmation changes anything, however it was sent.

The JSON API does not ask: its callers are programs that chose the endpoint by name
(``/publish``, ``/close``), whose documentation says that it is final.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, request
from flask_babel import LazyString

CONFIRM_FIELD, CONFIRM_VALUE = "confirm", "yes"
ACTIONS: dict[str, Irreversible] = {}


@dataclass(frozen=True)
class Irreversible:
    """One action that cannot be undone: ``key`` names it for templates (``confirm_button(key, url)``)."""

    key: str
    title: LazyString     # what the button says, e.g. 发布评价结果
    consequence: LazyString   # what cannot be undone, e.g. 发布后所有物业企业和公众可见，不能撤回。
    confirm_label: LazyString  # the confirming button, e.g. 确认发布

    def __post_init__(self):
        ACTIONS[self.key] = self

    @staticmethod
    def confirmed() -> bool:
        """Whether this POST carries the confirmation."""
        return request.form.get(CONFIRM_FIELD) == CONFIRM_VALUE

    def ask(self, back: str):
        """The refusal of an unconfirmed POST: a 400 page saying what cannot be undone, with the
        confirming button (posting the same form again, confirmed) and a way ``back``."""
        carried = [(name, value) for name, value in request.form.items(multi=True)
                   if name not in (CONFIRM_FIELD, "csrf_token")]
        return render_template("confirm_page.html", action=self, url=request.path, carried=carried,
                               back=back), 400


def irreversible(key: str) -> Irreversible:
    """The declared action ``key`` (a template global for ``confirm_button``)."""
    return ACTIONS[key]
