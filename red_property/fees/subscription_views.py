"""Subscription invoices: the platform issues them; every other tenant reads its own."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from red_property.accounts.models import Role
from red_property.core import clock
from red_property.core.errors import InputError
from red_property.extensions import db
from red_property.fees.documents import yuan
from red_property.fees.forms import SubscriptionForm, choices, fen_of
from red_property.fees.models import SubscriptionInvoice
from red_property.fees.services import billable_tenants, issue_subscription_invoice
from red_property.fees.views import PER_PAGE, bp, field_error, page_arg
from red_property.tenants.models import TenantKind


def _is_platform() -> bool:
    return current_user.tenant.kind == TenantKind.PLATFORM


def subscription_list(page: int) -> tuple[int, list[SubscriptionInvoice]]:
    """The platform: every invoice it issued.  Anyone else: the invoices billed to it (the visibility rule)."""
    total = db.session.scalar(select(func.count(SubscriptionInvoice.id)))
    items = db.session.scalars(select(SubscriptionInvoice).order_by(SubscriptionInvoice.id.desc())
                               .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return total, items


@bp.route("/<slug:tenant_slug>/subscriptions", methods=["GET", "POST"])
@login_required
def subscriptions():
    """Subscription invoices; the platform's admins issue them here."""
    platform = _is_platform()
    if not platform and request.method == "POST":
        abort(404)  # only the platform issues them
    form = SubscriptionForm() if platform else None
    status = 200
    if form is not None:
        form.billed_tenant_id.choices = choices((t.id, t.name) for t in billable_tenants(db.session))
        if form.is_submitted() and current_user.role != Role.ADMIN:
            abort(403)
        if form.validate_on_submit():
            try:
                invoice = issue_subscription_invoice(
                    db.session, billed_tenant_id=form.billed_tenant_id.data, description=form.description.data,
                    period=form.period.data, amount_fen=fen_of(form.amount.data), due_on=form.due_on.data,
                    today=clock.today())
                flash(_("已开具发票 %(code)s。", code=invoice.invoice_code), "success")
                return redirect(url_for("fees.subscriptions"))
            except InputError as exc:
                db.session.rollback()
                field_error(form, exc, "description")
                status = 422
        elif form.is_submitted():
            status = 400
    page = page_arg()
    total, items = subscription_list(page)
    return render_template("fees/subscriptions.html", form=form, items=items, yuan=yuan, page=page, platform=platform,
                           pages=max(1, -(-total // PER_PAGE))), status


@bp.route("/<slug:tenant_slug>/subscriptions/<int:invoice_id>.pdf")
@login_required
def subscription_pdf(invoice_id: int):
    """A subscription invoice as issued: the issuer's copy or the billed tenant's own."""
    invoice = db.get_or_404(SubscriptionInvoice, invoice_id)
    from red_property.core.files import content_disposition

    return Response(invoice.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": content_disposition(f"{invoice.invoice_code}.pdf",
                                                                        attachment=False)})
