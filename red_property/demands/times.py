"""Local time for demands: time limits, months and windows are the city's (Asia/Shanghai).

Timestamps are stored in UTC; a "month" or a window's dates are local calendar
days, so their bounds are local midnights converted to UTC.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Shanghai"


def local_zone() -> ZoneInfo:
    """The zone the UI shows times in (Babel's), so that a "day" means the same everywhere."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def aware(value, field: str) -> dt.datetime:
    """The instant in UTC; a naive datetime is read as local time.  Bad input names ``field``."""
    from red_property.core.errors import InputError

    if not isinstance(value, dt.datetime):
        raise InputError(field, "请填写日期和时间")
    try:
        return (value.replace(tzinfo=local_zone()) if value.tzinfo is None else value).astimezone(dt.timezone.utc)
    except (OverflowError, ValueError):  # year 1 or 9999 shifted past the calendar
        raise InputError(field, "时间超出范围") from None


def day_start(day: dt.date) -> dt.datetime:
    """Local midnight at the start of ``day``, in UTC."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=local_zone()).astimezone(dt.timezone.utc)


def local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(local_zone()).date()


def bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end] as local days -> [first instant, first instant after) in UTC."""
    return day_start(start), day_start(end + dt.timedelta(days=1))


def month_starts(today: dt.date, months: int = 12) -> list[dt.date]:
    """The first days of the ``months`` months up to ``today``'s, plus the next month's (an end bound)."""
    year, month = today.year, today.month - months + 1
    while month < 1:
        year, month = year - 1, month + 12
    out = []
    for _ in range(months + 1):
        out.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
