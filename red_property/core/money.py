"""Money is integer fen (分) everywhere; yuan (元) only as text at the edges.

People type yuan ("1,234.5"); ``parse_yuan`` turns that into fen exactly (no
float on the way) or says what is wrong with it.  ``yuan`` formats fen for
pages, exports and PDFs.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from red_property.core.errors import InputError

# One hundred million yuan: far above any single amount a community books.
MAX_FEN = 100_000_000 * 100


def yuan(fen: int, *, sign: bool = False) -> str:
    """``123456`` -> ``"1,234.56"`` (``"+1,234.56"`` with ``sign``)."""
    whole, cents = divmod(abs(int(fen)), 100)
    prefix = "-" if fen < 0 else ("+" if sign and fen > 0 else "")
    return f"{prefix}{whole:,}.{cents:02d}"


def parse_yuan(text: str, field: str, *, allow_zero: bool = False) -> int:
    """Fen from a yuan amount typed by a person; ``InputError`` on ``field`` when it is not one."""
    cleaned = (text or "").strip().replace(",", "").replace("，", "").removeprefix("¥").removeprefix("￥").strip()
    if not cleaned:
        raise InputError(field, "请填写金额")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InputError(field, f"不是金额：{cleaned[:20]}") from None
    if not value.is_finite():
        raise InputError(field, f"不是金额：{cleaned[:20]}")
    if value.as_tuple().exponent < -2:
        raise InputError(field, "金额最多两位小数（精确到分）")
    return check_fen(int(value * 100), field, allow_zero=allow_zero)


def check_fen(fen: int, field: str, *, allow_zero: bool = False) -> int:
    """An amount in fen within the accepted range, or ``InputError`` on ``field``."""
    if fen < 0 or (fen == 0 and not allow_zero):
        raise InputError(field, "金额应大于 0" if not allow_zero else "金额不能为负")
    if fen > MAX_FEN:
        raise InputError(field, f"金额不能超过 {yuan(MAX_FEN)} 元")
    return fen
