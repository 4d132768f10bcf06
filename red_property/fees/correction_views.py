"""Corrections on the fee pages: reversing a payment (红冲), the company's payee account,
and the arrears notices job."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from red_property.accounts.models import Role
from red_property.core import clock
from red_property.core.errors import InputError
from red_property.extensions import db
from red_property.fees.arrears import start_arrears_notices
from red_property.fees.documents import yuan
from red_property.fees.forms import METHOD_NAMES, ArrearsNoticesForm, PayeeAccountForm, ReversalForm, choices
from red_property.fees.models import Bill, Payment
from red_property.fees.payee import grouped, payee_account, save_payee_account
from red_property.fees.payments import reverse_payment, reversed_ids
from red_property.fees.views import bp, company_page, field_error, managed_communities


def _reversal_page(payment: Payment, form: ReversalForm, status: int = 200):
    bill = db.session.get(Bill, payment.bill_id)
    return render_template("fees/reverse.html", payment=payment, bill=bill, form=form, yuan=yuan,
                           methods=METHOD_NAMES, reversed=reversed_ids(db.session, [payment.id])), status


@bp.route("/<slug:tenant_slug>/fees/payments/<int:payment_id>/reverse", methods=["GET", "POST"],
          endpoint="reverse_payment")
@login_required
def reverse_payment_page(payment_id: int):
    """Reverse (红冲) a payment: a confirmation with the payment and a reason, then the reversal."""
    company_page()
    payment = db.get_or_404(Payment, payment_id)
    form = ReversalForm()
    if not form.validate_on_submit():
        return _reversal_page(payment, form, 400 if form.is_submitted() else 200)
    try:
        reversal = reverse_payment(db.session, payment.id, form.reason.data, today=clock.today())
    except InputError as exc:
        db.session.rollback()
        field_error(form, exc, "reason")
        return _reversal_page(db.get_or_404(Payment, payment_id), form, 422)
    flash(_("收据 %(code)s 已红冲（红冲凭证 %(reversal)s），账单已重新计为未缴。", code=payment.receipt_code,
            reversal=reversal.receipt_code), "success")
    return redirect(url_for("fees.bill", bill_id=payment.bill_id))


@bp.route("/<slug:tenant_slug>/fees/settings/payee", methods=["GET", "POST"])
@login_required
def payee_settings():
    """The company's payee bank account, printed on payment and arrears notices: everyone reads it,
    its admins change it."""
    company_page()
    if request.method == "POST" and current_user.role != Role.ADMIN:
        abort(403)
    account = payee_account(db.session)
    form = PayeeAccountForm(obj=account)
    status = 200
    if form.validate_on_submit():
        try:
            save_payee_account(db.session, account_name=form.account_name.data, bank_name=form.bank_name.data,
                               account_number=form.account_number.data, contact_phone=form.contact_phone.data)
            flash(_("收款账户已保存，此后生成的缴费通知单和催缴通知书将印上该账户。"), "success")
            return redirect(url_for("fees.payee_settings"))
        except InputError as exc:
            db.session.rollback()
            field_error(form, exc, "account_number")
            status = 422
    elif form.is_submitted():
        status = 400
    return render_template("fees/payee.html", form=form, account=account,
                           number=grouped(account.account_number) if account else None), status


@bp.route("/<slug:tenant_slug>/fees/arrears-notices", methods=["GET", "POST"])
@login_required
def arrears_notices():
    """催缴通知书: pick a community, a job renders one PDF with a page per household in arrears."""
    company_page()
    today = clock.today()
    form = ArrearsNoticesForm()
    form.community_id.choices = choices(managed_communities(today))
    status = 200
    if form.validate_on_submit():
        try:
            record = start_arrears_notices(db.session, community_id=form.community_id.data, today=today)
            return redirect(url_for("core.job_page", job_id=record.id))
        except InputError as exc:
            field_error(form, exc, "community_id")
            status = 422
    elif form.is_submitted():
        status = 400
    return render_template("fees/arrears.html", form=form, payee=payee_account(db.session)), status
