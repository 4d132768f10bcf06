"""Today and now for this package, in one place (the bureau's day is Asia/Shanghai's).

Everything in ``onboarding`` asks here, so that the whole package follows one clock.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from red_property.core.model import utcnow

LOCAL = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    """The current instant, timezone-aware (UTC)."""
    return utcnow()


def today() -> dt.date:
    """The current date in Asia/Shanghai."""
    return now().astimezone(LOCAL).date()
