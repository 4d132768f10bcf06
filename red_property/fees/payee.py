"""The company's payee bank account (收款账户): where households pay their fees.

Printed on every payment notice and arrears notice, so a household can pay by
transfer and name the notice in the memo (the bank statement import matches on
it).  One row per company, changed by its admins only (audited like every row).
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.core import clock
from red_property.core.errors import InputError, add_unique
from red_property.core.tenancy import current_actor_id
from red_property.fees.models import PayeeAccount

ACCOUNT_NUMBER = re.compile(r"^\d{8,34}$")        # Chinese bank accounts: 12 to 25 digits in practice
PHONE = re.compile(r"^[0-9+\-() ]{5,30}$")


def payee_account(session: Session) -> PayeeAccount | None:
    """The session's company's account, or None while nobody has set it."""
    return session.scalar(select(PayeeAccount))


def clean_account_number(text: str | None) -> str:
    """'6222 0212 3456 7890 123' -> '6222021234567890123': people copy numbers grouped by four."""
    return re.sub(r"[\s-]", "", text or "")


def save_payee_account(session: Session, *, account_name: str, bank_name: str, account_number: str,
                       contact_phone: str | None = None) -> PayeeAccount:
    """Set the company's payee account (the first time, or again); checks every field, then commits."""
    account_name, bank_name = (account_name or "").strip(), (bank_name or "").strip()
    number, phone = clean_account_number(account_number), (contact_phone or "").strip() or None
    if not 2 <= len(account_name) <= 100:
        raise InputError("account_name", "请填写户名（2 到 100 个字）")
    if not 2 <= len(bank_name) <= 100:
        raise InputError("bank_name", "请填写开户行（2 到 100 个字），如 中国工商银行锦城分行")
    if not ACCOUNT_NUMBER.match(number):
        raise InputError("account_number", "账号应为 8 到 34 位数字（可用空格分组）")
    if phone is not None and not PHONE.match(phone):
        raise InputError("contact_phone", "电话号码只能包含数字、空格和 - + ( )，5 到 30 位")
    account = payee_account(session)
    values = dict(account_name=account_name, bank_name=bank_name, account_number=number, contact_phone=phone,
                  updated_by=current_actor_id(session), updated_at=clock.now())
    if account is None:
        account = PayeeAccount(**values)
        add_unique(session, account, "account_number", "收款账户刚被他人设置，请刷新后再改")
    else:
        for key, value in values.items():
            setattr(account, key, value)
    session.commit()
    return account


def grouped(number: str) -> str:
    """'6222021234567890123' -> '6222 0212 3456 7890 123', as printed."""
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4))
