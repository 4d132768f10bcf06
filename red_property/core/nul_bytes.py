"""Refuse NUL characters in any request, naming where they are.

PostgreSQL text cannot hold U+0000, so a NUL that reached a query would be a
500 on PostgreSQL and silently stored on SQLite.  No user has a reason to send
one, so every request is checked once, at the edge, before any view: query
arguments, form fields, file names and JSON bodies (at any depth).
"""
from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import UnprocessableEntity

MESSAGE = "含有不可见的控制字符 (NUL)"


def _json_paths(value, path: str):
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            key = str(key)
            if "\x00" in key:
                yield f"{path}.{key}".lstrip(".")
            yield from _json_paths(item, f"{path}.{key}".lstrip("."))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_paths(item, f"{path}.{index}".lstrip("."))


def _offending() -> tuple[str, str] | None:
    for location, data in (("query", request.args), ("form", request.form)):
        for key, value in data.items(multi=True):
            if "\x00" in key or "\x00" in value:
                return location, key.replace("\x00", "")
    for key, upload in request.files.items(multi=True):
        if "\x00" in (upload.filename or ""):
            return "files", key
    if request.is_json:
        body = request.get_json(silent=True)
        found = next(_json_paths(body, ""), None)
        if found is not None:
            return "json", found or "_root"
    return None


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_nul():
        found = _offending()
        if found is None:
            return None
        location, field = found
        if request.path.startswith("/api/"):
            return {"code": 422, "status": "Unprocessable Entity",
                    "errors": {location: {field: [MESSAGE]}}}, 422
        raise UnprocessableEntity(f"{field}: {MESSAGE}")
