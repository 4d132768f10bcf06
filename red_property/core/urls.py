"""Redirect targets that come from the request (``?next=``): only paths on this site.

``startswith("/") and not startswith("//")`` is not enough: browsers treat a
backslash as a slash (``/\\evil.example`` goes off site), drop tabs and newlines
inside URLs (``/\\t/evil.example``), and a scheme or a host can hide behind
them.  One helper, used by every view that redirects to a requested target.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

from red_property.core.routing import MAX_ID

MAX_LENGTH = 2000


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site (``/x?y#z``), else None."""
    if not target or len(target) > MAX_LENGTH or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F or c.isspace() for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return target


def kept_query(*drop: str) -> dict[str, str]:
    """The request's query arguments to carry into a link (filters kept across pages and exports).

    Never ``url_for``'s own options (``_external``, ``_scheme``, ``_anchor``, ...), a URL
    variable of the route (``tenant_slug``, ids) or the names in ``drop`` (which the
    caller sets itself: passing ``fmt`` twice was a 500).
    """
    skip = set(drop) | set(request.view_args or {}) | {"tenant_slug"}
    return {key: value for key, value in request.args.items() if not key.startswith("_") and key not in skip}


def query_int(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """An integer query argument within ``minimum .. maximum``, else ``default``.

    ``request.args.get(name, type=int)`` takes any number of digits, and one past
    64 bits is a 500 in the database driver (an offset or an id).
    """
    value = request.args.get(name, type=int)
    return value if value is not None and minimum <= value <= maximum else default


def init_app(app) -> None:
    app.add_template_global(kept_query)
