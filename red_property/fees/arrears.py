"""Arrears notices (催缴通知书): one PDF per community, a page per household in arrears.

A household is in arrears when a bill of it is past its due date and not fully
paid (the bill list's "overdue").  Its notice lists those bills (period,
notice number, amount, paid, owed), the total, the company's payee account and
contact, dated in Beijing time.  Built by a background job, one document for
the whole community (what the company prints and delivers), and downloaded
from the job's page.  Nothing is recorded on the bills: a notice is a letter.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from red_property.communities.models import Building, Community, Household
from red_property.communities.services import managed_now
from red_property.core import clock
from red_property.core.errors import InputError
from red_property.core.exports import export_path
from red_property.core.jobs import JobContext, JobRecord, enqueue, job
from red_property.core.natural import natural
from red_property.core.pdf import render_pdf_parts
from red_property.fees.documents import chinese_amount, yuan
from red_property.fees.models import Bill
from red_property.fees.payee import grouped, payee_account
from red_property.tenants.models import Tenant

NOTICE_BATCH = 50   # households laid out per step of the job's progress (``FEES_ARREARS_BATCH``)


@dataclass
class Notice:
    household_id: int
    owner: str
    address: str
    bills: list[dict] = field(default_factory=list)
    owed_fen: int = 0

    @property
    def total(self) -> str:
        return yuan(self.owed_fen)

    @property
    def total_cn(self) -> str:
        return chinese_amount(self.owed_fen)


def start_arrears_notices(session: Session, *, community_id: int, today: dt.date) -> JobRecord:
    """Start the job that renders the community's arrears notices (follow the returned job)."""
    if not managed_now(session, community_id, today):
        raise InputError("community_id", "不是本企业当前在管的小区")
    return enqueue(session, "fees.arrears_notices", community_id=community_id)


def arrears_notices(session: Session, community_id: int, as_of: dt.date) -> list[Notice]:
    """A notice per household of the community with bills overdue on ``as_of``, building, unit and room order."""
    rows = session.execute(
        select(Bill, Household.owner_name, Household.unit, Household.room, Building.name, Community.name)
        .join(Household, and_(Household.id == Bill.household_id, Household.tenant_id == Bill.tenant_id))
        .join(Building, and_(Building.id == Household.building_id, Building.tenant_id == Household.tenant_id))
        .join(Community, Community.id == Bill.community_id)
        .where(Bill.community_id == community_id, Bill.due_on < as_of, Bill.paid_fen < Bill.amount_fen)
        # the shared natural collation, as billing: room 101 before 1001, 2栋 before 10栋
        .order_by(natural(Building.name), Household.building_id, natural(Household.unit), natural(Household.room),
                  Household.id, Bill.period_start)).all()
    notices: dict[int, Notice] = {}
    for bill, owner, unit, room, building, community in rows:
        notice = notices.get(bill.household_id)
        if notice is None:
            # the owner and room as they are now: the notice goes to who lives there
            notice = notices[bill.household_id] = Notice(bill.household_id, owner,
                                                         f"{community} {building} {unit}单元 {room}室")
        owed = bill.amount_fen - bill.paid_fen
        notice.bills.append({"period": bill.period, "code": bill.invoice_code, "due_on": bill.due_on,
                             "amount": yuan(bill.amount_fen), "paid": yuan(bill.paid_fen), "owed": yuan(owed)})
        notice.owed_fen += owed
    return list(notices.values())


def notices_html(issuer: Tenant, community: str, notices: list[Notice], payee, today: dt.date) -> str:
    """The notices as one HTML page each (Jinja alone: the job renders it)."""
    return current_app.jinja_env.get_template("fees/pdf/arrears.html").render(
        issuer=issuer, community=community, notices=notices, payee=payee,
        account_number=grouped(payee.account_number) if payee else None, today=today)


@job("fees.arrears_notices")
def render_arrears_notices(ctx: JobContext, community_id: int) -> dict:
    """Render the community's arrears notices as one PDF in the tenant's export folder; safe to run again."""
    session = ctx.session
    today = clock.today()
    community = session.scalar(select(Community.name).where(Community.id == community_id))
    ctx.progress(5, "正在查找欠费住户")
    notices = arrears_notices(session, community_id, today)
    if not notices:
        return {"households": 0, "owed_fen": 0, "message": "没有逾期欠费的住户"}
    issuer, payee = session.get(Tenant, ctx.tenant_id), payee_account(session)
    total, batch = len(notices), max(1, int(current_app.config.get("FEES_ARREARS_BATCH", NOTICE_BATCH)))
    # a page of HTML per batch of households, written while the rows are loaded; laying them out is the slow part
    parts = [notices_html(issuer, community or "", notices[start:start + batch], payee, today)
             for start in range(0, total, batch)]
    session.commit()   # so that each batch's progress is written on its own at once (on SQLite too)
    ctx.progress(10, f"已生成 0/{total} 户的催缴通知书")

    def laid_out(done_parts: int) -> None:
        done = min(total, done_parts * batch)
        ctx.progress(10 + 85 * done // total, f"已生成 {done}/{total} 户的催缴通知书")

    data = render_pdf_parts(parts, progress=laid_out)
    name = f"arrears-notices-{community_id}-{today:%Y%m%d}-{ctx.job_id}.pdf"
    path = export_path(ctx.tenant_id, name)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(path)   # a download never sees half a file
    ctx.progress(100, f"已生成 {total} 户的催缴通知书，可以下载")
    return {"file": name, "households": len(notices), "owed_fen": sum(n.owed_fen for n in notices)}
