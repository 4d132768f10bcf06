"""Payment notices (缴费通知单) and receipts as PDF: rendered once, then kept.

The bill's document is a payment notice, not a tax invoice (发票 is the tax
system's job); its number is still called ``invoice_code`` in the code and the
API, and its series keeps the ``WY`` prefix that bank memos name.

An issued payment notice must never change.  Its data cannot (``fees.guards``), but a
document rendered again on every download could: a new template, font or
WeasyPrint version would change what the household holds in hand.  So each
document is rendered once and stored (``core.files``), and every later download
serves those bytes.

The billing job renders its invoices in batches, each batch one multi-page PDF
(what the company prints and delivers), stored once: rendering a batch costs
about what one page of a long document costs, where a separate document per
invoice costs two to three times more (its own font subset and compression).
A bill points at its batch file and page; downloading one invoice copies that
page out of the stored batch (``core.pdf.pdf_page``), so it is the very page
issued.  A document nobody rendered yet (a receipt, bulk-loaded bills) is
rendered alone on its first download and stored the same way.

Each document also pays once for subsetting its fonts: about 0.1 s with
HarfBuzz-Subset, about 1 s with the fontTools fallback (no libharfbuzz-subset0),
so on that path a batch holds more invoices (``render_batch``).
"""
from __future__ import annotations

import time
from decimal import Decimal

from flask import current_app
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from red_property.core.files import StoredFile, store_generated
from red_property.core.files import tenant_folder
from red_property.core.money import yuan  # noqa: F401 (the fee modules import it from here)
from red_property.core.pdf import pdf_page, render_pdf, subsetter
from red_property.fees.models import Bill, PayeeAccount, Payment, PaymentMethod, SubscriptionInvoice
from red_property.fees.payee import payee_account
from red_property.tenants.models import Tenant

# Invoices per batch document, by how fonts are subset (core.pdf.subsetter): see the module docstring.
RENDER_BATCH = {"harfbuzz": 100, "fonttools": 250}
DIGITS = "零壹贰叁肆伍陆柒捌玖"
METHOD_NAMES = {PaymentMethod.CASH: "现金", PaymentMethod.BANK_TRANSFER: "银行转账", PaymentMethod.CARD: "刷卡",
                PaymentMethod.MOBILE: "扫码支付", PaymentMethod.CREDIT: "预存余额抵扣"}


def chinese_amount(fen: int) -> str:
    """The amount in capital numerals, as printed on Chinese invoices (大写): 49118 -> 肆佰玖拾壹元壹角捌分."""
    if fen == 0:
        return "零元整"
    whole, cents = divmod(int(fen), 100)
    out = _chinese_whole(whole) + "元" if whole else ""
    jiao, fen_ = divmod(cents, 10)
    if not cents:
        return out + "整"
    if jiao:
        out += DIGITS[jiao] + "角"
    elif whole:
        out += "零"
    if fen_:
        out += DIGITS[fen_] + "分"
    return out


def _chinese_whole(number: int) -> str:
    digits, out, zero = str(number), "", False
    for index, char in enumerate(digits):
        position = len(digits) - 1 - index
        if char == "0":
            zero = True
        else:
            out += ("零" if zero else "") + DIGITS[int(char)] + ("", "拾", "佰", "仟")[position % 4]
            zero = False
        if position % 4 == 0 and position and int(digits[max(0, index - 3):index + 1]):
            out += "万" if position % 8 else "亿"
    return out


def bill_document(bill: Bill) -> dict:
    return {"kind": "notice", "code": bill.invoice_code, "issued_at": bill.issued_at, "payer": bill.payer_name,
            "address": bill.address, "period": bill.period, "due_on": bill.due_on,
            "area": bill.floor_area, "lines": [dict(line, rate=yuan(line["rate_fen"]),
                                                   subtotal=yuan(_exact(bill.floor_area, line)))
                                              for line in bill.lines],
            "amount": yuan(bill.amount_fen), "amount_cn": chinese_amount(bill.amount_fen)}


def _exact(area: Decimal, line: dict) -> int:
    from decimal import ROUND_HALF_UP

    return int((Decimal(area) * line["rate_fen"] * line["months"]).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def payment_document(payment: Payment, bill: Bill, reverses: Payment | None = None) -> dict:
    """A receipt; for a reversal (红冲) its voucher, the amount that of the receipt it cancels."""
    common = {"code": payment.receipt_code, "issued_at": payment.recorded_at, "paid_on": payment.paid_on,
              "payer": payment.payer_name, "address": bill.address, "invoice_code": bill.invoice_code,
              "period": bill.period, "bill_amount": yuan(bill.amount_fen)}
    if reverses is not None:
        cancelled = reverses.received_fen or reverses.amount_fen   # a use of credit moved no money
        return {**common, "kind": "reversal", "reverses_code": reverses.receipt_code, "reason": payment.reason,
                "amount": "-" + yuan(cancelled), "amount_cn": "负" + chinese_amount(cancelled)}
    shown = payment.received_fen or payment.amount_fen
    credit = payment.credit_fen
    note = (f"{yuan(credit)} 元转入预存余额，抵扣以后的账单" if credit > 0 else
            f"由预存余额支付 {yuan(-credit)} 元" if credit < 0 else None)
    return {**common, "kind": "receipt", "method": METHOD_NAMES[payment.method], "bank_ref": payment.bank_ref,
            "amount": yuan(shown), "amount_cn": chinese_amount(shown), "applied": yuan(payment.amount_fen),
            "credit": note}


def subscription_document(invoice: SubscriptionInvoice) -> dict:
    return {"kind": "subscription", "code": invoice.invoice_code, "issued_at": invoice.issued_at,
            "payer": invoice.billed_name, "description": invoice.description, "period": invoice.period,
            "due_on": invoice.due_on, "amount": yuan(invoice.amount_fen),
            "amount_cn": chinese_amount(invoice.amount_fen)}


def documents_html(issuer: Tenant, documents: list[dict], payee: PayeeAccount | None = None) -> str:
    """The documents as one HTML page each; ``payee``: the account printed on payment notices.
    Jinja alone (no request context processors): jobs render too."""
    return current_app.jinja_env.get_template("fees/pdf/documents.html").render(issuer=issuer, documents=documents,
                                                                                 payee=payee)


def render_run_invoices(session: Session, run_id: int, progress=None, wait_for_others: bool = False) -> int:
    """Render and store the run's invoices that have no PDF yet; returns how many this call rendered.

    Batches are claimed with ``FOR UPDATE SKIP LOCKED``: several workers share
    a run without rendering an invoice twice, and a killed worker's batch is
    released for the others.  ``wait_for_others``: return only when every
    invoice of the run has its PDF (the run's own job), not when nothing is
    left to claim.
    """
    batch = int(current_app.config.get("FEES_RENDER_BATCH") or RENDER_BATCH[subsetter()])
    tenant = payee = None
    rendered = 0
    total = session.scalar(select(func.count(Bill.id)).where(Bill.run_id == run_id)) or 0
    shown = -1

    def report(left: int) -> None:
        # Called after a commit, so that the progress row is written on its own at once (on SQLite too)
        # each time a batch is finished, by this worker or by a helper while this one waits.
        nonlocal shown
        done = total - left
        if progress is not None and done != shown:
            shown = done
            progress(20 + 80 * done // max(total, 1), f"已生成 PDF {done}/{total} 张")

    while True:
        bills = session.scalars(select(Bill).where(Bill.run_id == run_id, Bill.file_id.is_(None))
                                .order_by(Bill.invoice_number).limit(batch)
                                .with_for_update(skip_locked=True)).all()
        if not bills:
            left = session.scalar(select(func.count(Bill.id)).where(Bill.run_id == run_id, Bill.file_id.is_(None)))
            session.commit()
            report(left)
            if not wait_for_others or not left:
                return rendered
            time.sleep(0.05)  # another worker holds the last batches; a dead one's locks are released
            continue
        if tenant is None:
            tenant, payee = session.get(Tenant, bills[0].tenant_id), payee_account(session)
        pdf = render_pdf(documents_html(tenant, [bill_document(b) for b in bills], payee))
        [file_id] = store_generated(session, purpose="invoices",
                                    files=[(f"{bills[0].invoice_code}..{bills[-1].invoice_code}.pdf", pdf)])
        pages = {b.id: page for page, b in enumerate(bills)}
        session.execute(update(Bill).where(Bill.id.in_(pages), Bill.file_id.is_(None))
                        .values(file_id=file_id, file_page=case(pages, value=Bill.id))
                        .execution_options(synchronize_session=False))
        left = (session.scalar(select(func.count(Bill.id)).where(Bill.run_id == run_id, Bill.file_id.is_(None)))
                if progress is not None else 0)
        session.commit()
        rendered += len(bills)
        report(left)


def issued_invoice(session: Session, bill: Bill) -> bytes:
    """The bill's invoice as issued: its page of the stored batch, or its own stored file.

    Never rendered before (a bulk-loaded bill): rendered alone now and kept.
    """
    if bill.file_id is None:
        tenant = session.get(Tenant, bill.tenant_id)
        data = render_pdf(documents_html(tenant, [bill_document(bill)], payee_account(session)))
        _keep_first(session, Bill, bill.id, "invoice", f"{bill.invoice_code}.pdf", data)
        session.refresh(bill)
    stored = session.get(StoredFile, bill.file_id)
    data = (tenant_folder(stored.tenant_id) / stored.stored_as).read_bytes()
    return data if bill.file_page is None else pdf_page(data, bill.file_page)


def receipt_pdf(session: Session, payment: Payment) -> StoredFile:
    """The payment's stored receipt PDF, rendered and stored on first request."""
    if payment.file_id is None:
        bill = session.get(Bill, payment.bill_id)
        tenant = session.get(Tenant, payment.tenant_id)
        reverses = session.get(Payment, payment.reverses_id) if payment.reverses_id else None
        data = render_pdf(documents_html(tenant, [payment_document(payment, bill, reverses)]))
        _keep_first(session, Payment, payment.id, "receipt", f"{payment.receipt_code}.pdf", data)
        session.refresh(payment)
    return session.get(StoredFile, payment.file_id)


def _keep_first(session: Session, model, row_id: int, purpose: str, filename: str, data: bytes) -> None:
    """Store ``data`` as the row's PDF unless a concurrent request stored one first (theirs wins)."""
    [file_id] = store_generated(session, purpose=purpose, files=[(filename, data)])
    session.execute(update(model).where(model.id == row_id, model.file_id.is_(None)).values(file_id=file_id)
                    .execution_options(synchronize_session=False))
    session.commit()
