"""Hostile input is refused once, at the edge, before authentication, rate limits or views.

Runs first on every request, whatever the path (even one that then 404s):

- a JSON body is decoded here, bounded (``core.json_body``): too big is 413, too deep
  or not JSON is 400, so nothing later can meet a ``RecursionError``;
- a query string that is not UTF-8 is 400 (werkzeug would raise on first use: a 500);
- text the database cannot store is 422 naming the field: NUL (PostgreSQL text cannot
  hold U+0000; SQLite would keep it silently) and lone UTF-16 surrogates, which JSON's
  ``"\\ud800"`` escape can carry and which fail when anything encodes them to UTF-8
  (a Redis rate-limit key, psycopg).  No user has a reason to send either.  Forms and
  query strings cannot carry a surrogate (werkzeug decodes them with replacement), so
  only NUL is looked for there; JSON strings and keys are checked at any depth.
"""
from __future__ import annotations

import re

from flask import Flask, request
from werkzeug.exceptions import BadRequest, UnprocessableEntity

NUL = "含有不可见的控制字符 (NUL)"
SURROGATE = "含有无法保存的字符 (a lone UTF-16 surrogate)"
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None."""
    found = UNSTORABLE.search(text)
    if found is None:
        return None
    return NUL if found.group() == "\x00" else SURROGATE


def _json_problem(body) -> tuple[str, str] | None:
    """(dotted path, message) of the first unstorable string or key in a decoded body.

    Iterative: the body's depth is already bounded, but a walk must not depend on it."""
    stack = [(body, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            why = problem(value)
            if why:
                return path or "_root", why
        elif isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}".lstrip(".")
                why = problem(key)
                if why:
                    return UNSTORABLE.sub("", where), why
                stack.append((item, where))
        elif isinstance(value, list):
            stack.extend((item, f"{path}.{index}".lstrip(".")) for index, item in enumerate(value))
    return None


def _json_body():
    """The request's JSON body, decoded (and so bounded) now; None when there is none."""
    if not request.is_json:
        return None
    data = request.get_data(cache=True)
    if request.content_length is None and len(data) >= (request.max_content_length or len(data) + 1):
        # Chunked: werkzeug stops silently at the limit; one more byte tells a body cut there (413).
        request.stream.read(1)
    if not data.strip():
        return None  # an empty body with a JSON type: nothing to decode, as before
    return request.get_json()  # BadRequest or RequestEntityTooLarge, saying why


def _offending() -> tuple[str, str, str] | None:
    try:
        args = request.args
    except UnicodeDecodeError:
        raise BadRequest("The query string is not UTF-8.") from None
    for location, data in (("query", args), ("form", request.form)):
        for key, value in data.items(multi=True):
            why = problem(key) or problem(value)
            if why:
                return location, UNSTORABLE.sub("", key), why
    for key, upload in request.files.items(multi=True):
        why = problem(upload.filename or "")
        if why:
            return "files", key, why
    found = _json_problem(_json_body())
    return ("json", *found) if found else None


def init_app(app: Flask) -> None:
    """Register the check; call before any extension that reads the request."""

    @app.before_request
    def _refuse_hostile_input():
        found = _offending()
        if found is None:
            return None
        location, field, why = found
        if request.path.startswith("/api/"):
            return {"code": 422, "status": "Unprocessable Entity",
                    "errors": {location: {field: [why]}}}, 422
        raise UnprocessableEntity(f"{field}: {why}")
