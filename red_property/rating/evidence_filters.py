"""The drill-down's filters read from the query string (``?community_id=&from=&to=&source=``)."""
from __future__ import annotations

import datetime as dt

from flask import request
from flask_babel import gettext as _

from red_property.core.urls import query_int
from red_property.rating.evidence import EvidenceFilter


def evidence_filter_args() -> tuple[EvidenceFilter, dict[str, str]]:
    """The filter, and the fields that could not be read (shown at the field; the page answers 400)."""
    errors: dict[str, str] = {}
    dates: dict[str, dt.date | None] = {}
    for name in ("from", "to"):
        raw = (request.args.get(name) or "").strip()
        try:
            dates[name] = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name], dates[name] = _("日期格式应为 2026-03-01"), None
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        errors["to"] = _("结束日期不能早于开始日期")
    source = (request.args.get("source") or "").strip()[:30] or None
    return EvidenceFilter(query_int("community_id"), dates["from"], dates["to"], source), errors
