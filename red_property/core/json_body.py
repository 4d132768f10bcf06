"""JSON request bodies, bounded: at most ``JSON_MAX_BYTES`` long and ``JSON_MAX_DEPTH`` deep.

``json.loads`` of about a thousand nested brackets raises ``RecursionError``, which
``get_json(silent=True)`` does not catch, and any recursive walk of a decoded body
(marshmallow, our own checks) fails far earlier.  No request of ours nests more than
a handful of levels, so the request class refuses deeper bodies as a ``ValueError``
(what Flask and werkzeug expect from a decoder) before anything walks them, and every
``get_json`` in the app is bounded, whoever calls it first.  The limits are the
config's ``JSON_MAX_BYTES`` and ``JSON_MAX_DEPTH``.
"""
from __future__ import annotations

import json

from flask import Request, current_app
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

from red_property.core.nesting import depth_of


class JSONTooDeep(ValueError):
    """A JSON document nests arrays and objects deeper than allowed."""


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, but ``loads`` refuses documents deeper than ``JSON_MAX_DEPTH``."""

    def loads(self, s, **kwargs):
        limit = self._app.config["JSON_MAX_DEPTH"]
        opening = ("[", "{") if isinstance(s, str) else (b"[", b"{")
        # Fewer brackets than the limit cannot nest deeper: most bodies skip the walk.
        may_be_deep = s.count(opening[0]) + s.count(opening[1]) > limit
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise JSONTooDeep(f"nested deeper than {limit} levels") from None
        if may_be_deep and depth_of(value, limit) > limit:
            raise JSONTooDeep(f"nested deeper than {limit} levels")
        return value


class EdgeRequest(Request):
    """The request class: JSON bodies get their own, smaller size limit, and a body
    that cannot be decoded is a 400 that says why (Flask's own drops the reason)."""

    @property
    def max_content_length(self) -> int | None:
        limit = Request.max_content_length.fget(self)
        if self._max_content_length is None and self.is_json and current_app:
            json_limit = current_app.config["JSON_MAX_BYTES"]
            return json_limit if limit is None else min(limit, json_limit)
        return limit

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:  # a view may still set its own
        Request.max_content_length.fset(self, value)

    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:
            raise BadRequest("The request body is not JSON (Content-Type: application/json expected).")
        raise BadRequest(f"The request body is not valid JSON: {e}")


def init_app(app) -> None:
    app.request_class = EdgeRequest
    app.json = BoundedJSONProvider(app)
