"""Checks for plain values that services receive from anyone: a form, the API,
an import or a stranger on a public page.  Each raises ``InputError`` on the
field at fault, with a message in plain Chinese.
"""
from __future__ import annotations

import enum
import re

from red_property.core.errors import InputError

# Mainland mobile numbers, or a landline with its area code (028-85551234).
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
# Control characters (PostgreSQL refuses NUL outright); newlines and tabs are fine.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text(field: str, value, *, required: bool, max_len: int, min_len: int = 1) -> str | None:
    """A stripped text within its length, without control characters; None when optional and empty."""
    if value is not None and not isinstance(value, str):
        raise InputError(field, "应为文字")
    value = (value or "").strip()
    if not value:
        if required:
            raise InputError(field, "必填")
        return None
    if CONTROL.search(value):
        raise InputError(field, "含有不可见的控制字符")
    if len(value) < min_len:
        raise InputError(field, f"至少 {min_len} 个字")
    if len(value) > max_len:
        raise InputError(field, f"最多 {max_len} 个字")
    return value


def phone(field: str, value, *, required: bool) -> str | None:
    """A mainland mobile or landline number, spaces removed."""
    value = text(field, value, required=required, max_len=30)
    if value is None:
        return None
    value = value.replace(" ", "")
    if not PHONE.match(value):
        raise InputError(field, "请填写 11 位手机号或带区号的固定电话（如 028-85551234）")
    return value


def member(enum_cls: type[enum.Enum], field: str, value):
    """An enum member from itself or its value."""
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)
    except ValueError:
        raise InputError(field, "不是可选的值") from None


def mask_phone(value: str | None) -> str:
    """138****5678: the first three and last four digits, for lists and exports."""
    if not value:
        return ""
    return value[:3] + "*" * max(0, len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)
