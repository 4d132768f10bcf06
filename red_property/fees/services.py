"""Commitment letters (承诺书) and the platform's subscription invoices."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.core import clock
from red_property.core.errors import InputError
from red_property.core.files import store_file
from red_property.core.pdf import render_pdf
from red_property.core.tenancy import current_actor_id, current_tenant_id
from red_property.communities.models import Household
from red_property.fees.documents import documents_html, subscription_document
from red_property.fees.models import CommitmentLetter, Series, SignerKind, SubscriptionInvoice, document_code
from red_property.fees.numbering import reserve_numbers
from red_property.tenants.models import Tenant, TenantKind

MAX_SUBSCRIPTION_FEN = 100_000_000


def add_commitment_letter(session: Session, *, household_id: int, signer_name: str, signer_kind: SignerKind,
                          organisation: str | None, signed_on: dt.date, pay_by: dt.date | None,
                          upload: tuple[str, bytes] | None, today: dt.date) -> CommitmentLetter:
    """Record a signed letter (with its scan, optional) for one of the company's households."""
    if session.get(Household, household_id) is None:
        raise InputError("household_id", "住户不存在")
    if not (signer_name or "").strip():
        raise InputError("signer_name", "请填写签署人")
    if not dt.date(2000, 1, 1) <= signed_on <= today:
        raise InputError("signed_on", "签署日期应在 2000 年之后，且不能晚于今天")
    if pay_by is not None and pay_by < signed_on:
        raise InputError("pay_by", "承诺缴清日期不能早于签署日期")
    if signer_kind == SignerKind.CIVIL_SERVANT and not (organisation or "").strip():
        raise InputError("organisation", "公职人员需填写工作单位")
    file_id = None
    if upload is not None and upload[1]:
        file_id = store_file(session, purpose="commitment", filename=upload[0], data=upload[1], field="file").id
    letter = CommitmentLetter(household_id=household_id, signer_name=signer_name.strip(), signer_kind=signer_kind,
                              organisation=(organisation or "").strip() or None, signed_on=signed_on, pay_by=pay_by,
                              file_id=file_id, recorded_by=current_actor_id(session))
    session.add(letter)
    session.commit()
    return letter


def billable_tenants(session: Session) -> list[Tenant]:
    """Every tenant the platform may bill: all but platforms."""
    return list(session.scalars(select(Tenant).where(Tenant.kind != TenantKind.PLATFORM).order_by(Tenant.kind,
                                                                                                  Tenant.name)))


def issue_subscription_invoice(session: Session, *, billed_tenant_id: int, description: str, period: str,
                               amount_fen: int, due_on: dt.date, today: dt.date) -> SubscriptionInvoice:
    """The platform bills one of its tenants: numbered like every invoice, rendered and kept at once."""
    issuer = session.get(Tenant, current_tenant_id(session))
    if issuer is None or issuer.kind != TenantKind.PLATFORM:
        raise InputError("billed_tenant_id", "只有平台运营方可以开具平台服务费发票")
    billed = session.get(Tenant, billed_tenant_id)
    if billed is None or billed.kind == TenantKind.PLATFORM:
        raise InputError("billed_tenant_id", "没有这个租户")
    if not 2 <= len((description or "").strip()) <= 200:
        raise InputError("description", "服务项目应为 2 到 200 个字")
    if not 1 <= len((period or "").strip()) <= 20:
        raise InputError("period", "服务期间应为 1 到 20 个字")
    if not 0 < amount_fen <= MAX_SUBSCRIPTION_FEN:
        raise InputError("amount_fen", "金额应大于 0 且不超过 100 万元")
    if not today <= due_on <= dt.date(2100, 12, 31):
        raise InputError("due_on", "付款截止日不能早于今天，也不能晚于 2100 年")
    number = reserve_numbers(session, Series.SUBSCRIPTION, today.year, 1)
    invoice = SubscriptionInvoice(billed_tenant_id=billed.id, billed_name=billed.name, description=description.strip(),
                                  period=period.strip(), amount_fen=amount_fen, due_on=due_on,
                                  invoice_year=today.year, invoice_number=number,
                                  invoice_code=document_code(Series.SUBSCRIPTION, today.year, number),
                                  issued_at=clock.now(), issued_by=current_actor_id(session))
    invoice.pdf = render_pdf(documents_html(issuer, [subscription_document(invoice)]))
    session.add(invoice)
    session.commit()
    return invoice
