"""Bills, payments, bank imports, commitment letters of a household, and the PDFs."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from red_property.communities.imports import ImportRejected
from red_property.core import clock
from red_property.communities.models import Community, Household
from red_property.core.errors import InputError
from red_property.core.files import send_stored_file
from red_property.core.pdf import pdf_bytes_response
from red_property.core.tabular import csv_response, xlsx_response
from red_property.extensions import db
from red_property.fees.bank_import import import_statement
from red_property.fees.credit import credit_entries
from red_property.fees.documents import issued_invoice, receipt_pdf, yuan
from red_property.fees.ledger import household_ledger
from red_property.fees.forms import METHOD_NAMES, SIGNER_NAMES, CommitmentForm, PaymentForm, StatementForm, fen_of
from red_property.fees.models import Bill, CommitmentLetter, Payment, PaymentMethod, SignerKind
from red_property.fees.payments import PaymentData, record_payment, reversed_ids
from red_property.fees.list_filters import BILL_STATUSES, BillListFilter, PaymentListFilter
from red_property.fees.reports import bill_status
from red_property.fees.services import add_commitment_letter
from red_property.fees.views import PER_PAGE, bp, company_page, export_format, field_error, page_arg

EXPORT_LIMIT = 100_000


@bp.route("/<slug:tenant_slug>/fees/bills")
@login_required
def bills():
    """Bills (invoices) with filters, paged: three queries whatever the page holds."""
    company_page()
    today = clock.today()
    filters, page = BillListFilter.from_args(), page_arg()
    total, items = 0, []
    if not filters.errors:
        stmt = filters.statement(today)
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
        items = db.session.scalars(stmt.order_by(*filters.order())
                                   .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template("fees/bills.html", items=items, total=total, filters=filters,
                           communities=_billed_communities(), statuses=BILL_STATUSES,
                           status_of=lambda b: bill_status(b, today), yuan=yuan, page=page,
                           pages=max(1, -(-total // PER_PAGE))), 400 if filters.errors else 200


def _billed_communities() -> list:
    return db.session.execute(select(Community.id, Community.name).where(
        Community.id.in_(select(Bill.community_id).distinct())).order_by(Community.name)).all()


@bp.route("/<slug:tenant_slug>/fees/bills/export")
@login_required
def bills_export():
    """The filtered bill list as CSV or XLSX (``?fmt=``; status=overdue: the arrears list)."""
    company_page()
    fmt = export_format()
    today = clock.today()
    filters = BillListFilter.from_args()
    if filters.errors:
        abort(400)
    stmt = filters.statement(today).order_by(*filters.order())
    header = [_("缴费通知单号"), _("期间"), _("房屋"), _("业主"), _("面积（㎡）"), _("应收（元）"), _("已收（元）"),
              _("欠费（元）"), _("缴费截止日"), _("状态")]
    names = {"unpaid": _("未缴"), "partial": _("部分缴纳"), "paid": _("已缴清"), "overdue": _("逾期")}
    rows = ([b.invoice_code, b.period, b.address, b.payer_name, b.floor_area, b.amount_fen / 100, b.paid_fen / 100,
             (b.amount_fen - b.paid_fen) / 100, b.due_on.isoformat(), names[bill_status(b, today)]]
            for b in db.session.scalars(stmt.limit(EXPORT_LIMIT)))
    name = f"bills-{today:%Y%m%d}.{fmt}"
    return csv_response(name, header, rows) if fmt == "csv" else xlsx_response(name, header, rows, _("账单"))


def _bill(bill_id: int) -> Bill:
    return db.get_or_404(Bill, bill_id)


def _bill_page(bill: Bill, payment_form=None, letter_form=None, status: int = 200):
    payments = db.session.scalars(select(Payment).where(Payment.bill_id == bill.id).order_by(Payment.id)).all()
    credit = credit_entries(db.session, bill.household_id)
    letters = db.session.scalars(select(CommitmentLetter).where(CommitmentLetter.household_id == bill.household_id)
                                 .order_by(CommitmentLetter.signed_on)).all()
    today = clock.today()
    return render_template("fees/bill.html", bill=bill, payments=payments, letters=letters, yuan=yuan,
                           reversed=reversed_ids(db.session, [p.id for p in payments]), credit=credit,
                           credit_fen=sum(p.credit_fen for p, _code in credit),
                           status_name=bill_status(bill, today), methods=METHOD_NAMES, signers=SIGNER_NAMES,
                           payment_form=payment_form or PaymentForm(paid_on=today),
                           letter_form=letter_form or CommitmentForm(signed_on=today)), status


@bp.route("/<slug:tenant_slug>/fees/bills/<int:bill_id>")
@login_required
def bill(bill_id: int):
    """One bill: amounts, payments with receipts, the household's commitment letters."""
    company_page()
    return _bill_page(_bill(bill_id))


@bp.route("/<slug:tenant_slug>/fees/households/<int:household_id>")
@login_required
def household(household_id: int):
    """One household's account: its bills, payments, reversals and credit, with the running balance."""
    company_page()
    return render_template("fees/household.html",
                           ledger=household_ledger(db.session, db.get_or_404(Household, household_id)))


@bp.route("/<slug:tenant_slug>/fees/bills/<int:bill_id>/payments", methods=["POST"])
@login_required
def add_payment(bill_id: int):
    """Record money received for the bill (partial allowed; above what is owed: the household's credit)."""
    company_page()
    bill = _bill(bill_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        return _bill_page(bill, payment_form=form, status=400)
    try:
        payment = record_payment(db.session, PaymentData(
            bill_id=bill.id, amount_fen=fen_of(form.amount.data), paid_on=form.paid_on.data,
            method=PaymentMethod(form.method.data), payer_name=form.payer_name.data or None,
            note=form.note.data or None), today=clock.today())
    except InputError as exc:
        db.session.rollback()
        field_error(form, exc, "amount")
        return _bill_page(_bill(bill_id), payment_form=form, status=422)
    flash(_("已收款，收据号码 %(code)s。", code=payment.receipt_code), "success")
    if payment.credit_fen:
        flash(_("多缴的 %(amount)s 元已转入该户预存余额，开具下期账单时自动抵扣。", amount=yuan(payment.credit_fen)),
              "success")
    return redirect(url_for("fees.bill", bill_id=bill_id))


@bp.route("/<slug:tenant_slug>/fees/bills/<int:bill_id>/commitments", methods=["POST"])
@login_required
def add_commitment(bill_id: int):
    """Record a commitment letter signed by the household's party member or civil servant."""
    company_page()
    bill = _bill(bill_id)
    form = CommitmentForm()
    if not form.validate_on_submit():
        return _bill_page(bill, letter_form=form, status=400)
    upload = form.file.data
    try:
        add_commitment_letter(db.session, household_id=bill.household_id, signer_name=form.signer_name.data,
                              signer_kind=SignerKind(form.signer_kind.data), organisation=form.organisation.data,
                              signed_on=form.signed_on.data, pay_by=form.pay_by.data,
                              upload=(upload.filename or "", upload.read()) if upload else None,
                              today=clock.today())
    except InputError as exc:
        db.session.rollback()
        field_error(form, exc, "signer_name")
        return _bill_page(_bill(bill_id), letter_form=form, status=422)
    flash(_("承诺书已登记。"), "success")
    return redirect(url_for("fees.bill", bill_id=bill_id))


@bp.route("/<slug:tenant_slug>/fees/bills/<int:bill_id>/payment-notice.pdf")
@login_required
def payment_notice_pdf(bill_id: int):
    """The payment notice (缴费通知单) as issued (rendered once, then always the same bytes)."""
    company_page()
    bill = _bill(bill_id)
    return pdf_bytes_response(issued_invoice(db.session, bill), f"缴费通知单-{bill.invoice_code}.pdf")


@bp.route("/<slug:tenant_slug>/fees/bills/<int:bill_id>/invoice.pdf")
@login_required
def invoice_pdf(bill_id: int):
    """The old address of the payment notice (bookmarks, printed links): a permanent redirect."""
    company_page()
    bill = _bill(bill_id)
    return redirect(url_for("fees.payment_notice_pdf", bill_id=bill.id), 308)


@bp.route("/<slug:tenant_slug>/fees/payments", methods=["GET", "POST"])
@login_required
def payments():
    """Payments received, newest first; a bank statement import (all rows or none)."""
    company_page()
    form = StatementForm()
    errors, status = [], 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            report = import_statement(db.session, upload.filename or "", upload.read(), today=clock.today())
            flash(_("导入完成：入账 %(n)s 笔，共 %(amount)s 元；已导入过的 %(s)s 笔已跳过。", n=report["recorded"],
                    amount=yuan(report["amount_fen"]), s=report["skipped"]), "success")
            if report["credit_fen"]:
                flash(_("其中多缴的 %(amount)s 元已转入各户预存余额。", amount=yuan(report["credit_fen"])), "success")
            return redirect(url_for("fees.payments"))
        except ImportRejected as exc:
            errors, status = exc.errors, 422
    elif form.is_submitted():
        status = 400
    page, filters = page_arg(), PaymentListFilter.from_args()
    total, items = 0, []
    if filters.errors:
        status = max(status, 400)
    else:
        stmt = filters.statement()
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        items = db.session.execute(stmt.order_by(*filters.order()).limit(PER_PAGE)
                                   .offset((page - 1) * PER_PAGE)).all()
    return render_template("fees/payments.html", form=form, errors=errors, items=items, methods=METHOD_NAMES,
                           yuan=yuan, page=page, pages=max(1, -(-total // PER_PAGE)), filters=filters, total=total,
                           communities=_billed_communities()), status


@bp.route("/<slug:tenant_slug>/fees/payments/export")
@login_required
def payments_export():
    """The filtered payment list as CSV or XLSX (``?fmt=``)."""
    company_page()
    fmt = export_format()
    filters = PaymentListFilter.from_args()
    if filters.errors:
        abort(400)
    header = [_("收据号码"), _("缴费通知单号"), _("房屋"), _("日期"), _("金额（元）"), _("方式"), _("交款人"), _("银行流水号")]
    rows = ([p.receipt_code, code, address, p.paid_on.isoformat(), p.amount_fen / 100, str(METHOD_NAMES[p.method.value]),
             p.payer_name, p.bank_ref or ""]
            for p, code, address, _household in db.session.execute(
                filters.statement().order_by(*filters.order()).limit(EXPORT_LIMIT)))
    name = f"payments-{clock.today():%Y%m%d}.{fmt}"
    return csv_response(name, header, rows) if fmt == "csv" else xlsx_response(name, header, rows, _("收款"))


@bp.route("/<slug:tenant_slug>/fees/payments/<int:payment_id>/receipt.pdf")
@login_required
def receipt(payment_id: int):
    """The payment's receipt (rendered on first request, then kept)."""
    company_page()
    payment = db.get_or_404(Payment, payment_id)
    return send_stored_file(receipt_pdf(db.session, payment))
