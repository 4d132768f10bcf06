"""The one clock: every "now" and "today" in the product comes from here.

The server runs in UTC and the users live in Beijing time.  Two kinds of time:

- an *instant* (a demand received, a document issued, a row written) is stored
  as an aware UTC datetime: ``now()``;
- a *day* (today, a month, a date range, a document's year) is a calendar day
  in the local zone, the one Babel shows times in: ``today()``,
  ``local_date()``, and ``day_start()`` / ``bounds()`` to turn local days into
  UTC instants for queries.

Reading the system clock anywhere else is a lint error (ruff's DTZ rules and
banned APIs, see pyproject.toml), so a test that moves this clock
(time-machine, ``RP_TEST_CLOCK``) moves the whole product with it.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

UTC = dt.timezone.utc
DEFAULT_ZONE = "Asia/Shanghai"


def local_zone() -> ZoneInfo:
    """The users' zone: the app's ``BABEL_DEFAULT_TIMEZONE``; Asia/Shanghai outside an app."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def now() -> dt.datetime:
    """This instant, aware, in UTC: what timestamps store."""
    return dt.datetime.now(UTC)


def local_now() -> dt.datetime:
    """This instant on the users' wall clock (aware, in ``local_zone()``)."""
    return now().astimezone(local_zone())


def today() -> dt.date:
    """The users' calendar date: from 00:00 to 08:00 Beijing time it is a day ahead of UTC's."""
    return local_now().date()


def local(value: dt.datetime) -> dt.datetime:
    """A stored instant as the users' wall time.  A naive value is refused: it has no instant."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: stored instants are aware (red_property.core.clock.now())")
    return value.astimezone(local_zone())


def local_date(value: dt.datetime) -> dt.date:
    """The local calendar day an instant falls on (what a document's date and year are)."""
    return local(value).date()


def day_start(day: dt.date) -> dt.datetime:
    """Local midnight at the start of ``day``, in UTC."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=local_zone()).astimezone(UTC)


def bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end] as local days -> [first instant, first instant after) in UTC."""
    return day_start(start), day_start(end + dt.timedelta(days=1))


def aware(value, field: str) -> dt.datetime:
    """A submitted date and time as a UTC instant; a naive one is read as local time.  Bad input names ``field``."""
    from red_property.core.errors import InputError

    if not isinstance(value, dt.datetime):
        raise InputError(field, "请填写日期和时间")
    try:
        return (value.replace(tzinfo=local_zone()) if value.tzinfo is None else value).astimezone(UTC)
    except (OverflowError, ValueError):  # year 1 or 9999 shifted past the calendar
        raise InputError(field, "时间超出范围") from None
