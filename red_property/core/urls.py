"""Redirect targets that come from the request (``?next=``): only paths on this site.

``startswith("/") and not startswith("//")`` is not enough: browsers treat a
backslash as a slash (``/\\evil.example`` goes off site), drop tabs and newlines
inside URLs (``/\\t/evil.example``), and a scheme or a host can hide behind
them.  One helper, used by every view that redirects to a requested target.
"""
from __future__ import annotations

from urllib.parse import urlsplit

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
