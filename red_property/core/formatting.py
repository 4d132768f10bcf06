"""How numbers, money, areas and times read, on every page, export and PDF.

One place, so the same value reads the same everywhere (a card, its chart's
label and the domain page it summarises):

- ``pct``: a ratio 0..1 as a percentage with one decimal (``0.8257`` -> ``82.6%``),
  rounded half up; never the raw ratio;
- ``money``: integer fen as yuan with the ¥ sign and thousands separators
  (``123456`` -> ``¥1,234.56``);
- ``area``: square metres with separators and two decimals (none for a whole number);
- ``number``: any other measure, with separators and a fixed number of decimals;
- ``local_datetime`` / ``local_date``: a stored UTC instant on the users' clock
  (``core.clock``), or a calendar day as ``2026-03-05``.

Separators follow the page's locale (Babel: Chinese and English both group by
thousands with a comma). ``None`` reads as an em dash: missing, not zero.
Registered as Jinja filters by ``init_app``; Python code (presenters, exports,
PDF views) imports the functions.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from babel.numbers import format_decimal
from flask import has_request_context

from red_property.core import clock

MISSING = "—"


def _locale() -> str:
    if has_request_context():
        from flask_babel import get_locale

        return str(get_locale() or "zh_Hans_CN")
    return "zh_Hans_CN"


def _decimal(value) -> Decimal:
    """A number of any kind we store (int, Fraction, Decimal, float or its decimal text) as a Decimal."""
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value).strip())


def _fixed(value: Decimal, places: int) -> str:
    """Rounded half up to ``places`` decimals, then grouped by the locale."""
    step = Decimal(1).scaleb(-places)
    rounded = value.quantize(step, rounding=ROUND_HALF_UP)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(rounded, format=pattern, locale=_locale(), decimal_quantization=False)


def number(value, places: int = 1) -> str:
    """``1234.567`` -> ``1,234.6``; ``None`` or an empty text -> ``—``."""
    if value is None or value == "":
        return MISSING
    return _fixed(_decimal(value), places)


def pct(value, places: int = 1) -> str:
    """A ratio (0..1) as a percentage: ``Fraction(8257, 10000)`` or ``"0.8257"`` -> ``82.6%``."""
    if value is None or value == "":
        return MISSING
    return _fixed(_decimal(value) * 100, places) + "%"


def pct_value(value, places: int = 1) -> float | None:
    """The number ``pct`` shows, for a chart's label (so the chart and the text agree)."""
    if value is None or value == "":
        return None
    return float((_decimal(value) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def money(fen, *, sign: bool = False) -> str:
    """Integer fen as yuan: ``123456`` -> ``¥1,234.56``, ``-500`` -> ``-¥5.00`` (``+¥`` with ``sign``).

    Under a heading that already says 元, ``core.money.yuan`` (the ``yuan`` filter) writes the same
    digits without the sign."""
    if fen is None:
        return MISSING
    fen = int(fen)
    prefix = "-" if fen < 0 else ("+" if sign and fen > 0 else "")
    return f"{prefix}¥{_fixed(Decimal(abs(fen)) / 100, 2)}"


def area(value, *, unit: bool = True) -> str:
    """Square metres: ``Decimal("12345.5")`` -> ``12,345.50 ㎡``; a whole number without decimals."""
    if value is None or value == "":
        return MISSING
    amount = _decimal(value)
    text = _fixed(amount, 0 if amount == amount.to_integral_value() else 2)
    return f"{text} ㎡" if unit else text


def local_datetime(value: dt.datetime | str | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored instant (or the ISO text frozen into a published document) on the users' clock."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return clock.local(value).strftime(pattern)


def local_date(value: dt.date | dt.datetime | str | None) -> str:
    """A calendar day as ``2026-03-05``; an instant gives the local day it falls on."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value or " " in value else dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = clock.local_date(value)
    return value.isoformat()


def measure(value, unit: str) -> str:
    """A rating or compliance value by its metric's unit: ratios in per cent, counts whole, scores one decimal."""
    if unit == "ratio":
        return pct(value)
    return number(value, 0 if unit == "count" else 1)


FILTERS = {"pct": pct, "money": money, "area": area, "number": number, "local_datetime": local_datetime,
           "local_date": local_date, "measure": measure}


def init_app(app) -> None:
    """Every helper as a Jinja filter of the same name (on the environment: imported macros see them too)."""
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
