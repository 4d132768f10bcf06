"""Distribution pages: split a surplus over the roll, see and export the table, book it once decided."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from red_property.core import clock
from red_property.core.errors import InputError
from red_property.core.money import parse_yuan, yuan
from red_property.core.tabular import csv_response, xlsx_response
from red_property.extensions import db
from red_property.finance import distribution as service
from red_property.finance.ledger import balance_before
from red_property.finance.models import METHOD_LABELS, Distribution, DistributionMethod
from red_property.finance.roll import roll_totals
from red_property.finance.views import button, committee_only, page_arg, paged
from red_property.core.forms import show_error
from red_property.votes.models import ProposalKind, Vote, VoteStatus

bp = Blueprint("finance_distributions", __name__, template_folder="templates")
SHARES_PER_PAGE = 200


class DistributionForm(FlaskForm):
    title = StringField(_l("名称"), validators=[DataRequired(), Length(min=2, max=100)])
    method = SelectField(_l("分配方式"), choices=[SelectChoice(m.value, METHOD_LABELS[m]) for m in DistributionMethod])
    total = StringField(_l("分配总额（元）"), validators=[DataRequired(), Length(max=30)])


class RecordForm(FlaskForm):
    paid_on = DateField(_l("支付日期"), validators=[DataRequired()])
    vote_id = SelectField(_l("依据的业主表决"), coerce=int)
    decision = StringField(_l("业主的决定（会议或决议名称）"), validators=[Length(max=200)])


@bp.route("/<slug:tenant_slug>/finance/distributions", methods=["GET", "POST"])
@login_required
def index():
    """Distributions so far and a form to compute a new one."""
    committee_only()
    form, status = DistributionForm(prefix="new"), 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                made = service.create_distribution(db.session, title=form.title.data,
                                                   method=DistributionMethod(form.method.data),
                                                   total_fen=parse_yuan(form.total.data, "total_fen"))
                return redirect(url_for("finance_distributions.show", distribution_id=made.id))
            except InputError as exc:
                show_error(form, exc, {"total_fen": "total"})
        status = 400
    listing = paged(select(Distribution).order_by(Distribution.id.desc()))
    owners, area = roll_totals(db.session)
    return render_template("finance/distributions.html", **listing, form=form, owners=owners, area=area,
                           balance=balance_before(db.session, None)), status


def _distribution(distribution_id: int) -> Distribution:
    return db.get_or_404(Distribution, distribution_id)


def _record_form() -> RecordForm:
    form = RecordForm(prefix="record", paid_on=clock.today())
    votes = db.session.execute(select(Vote.id, Vote.title).where(
        Vote.status == VoteStatus.CLOSED, Vote.passed.is_(True),
        Vote.kind.in_([ProposalKind.PUBLIC_INCOME, ProposalKind.OTHER])).order_by(Vote.id.desc())).all()
    form.vote_id.choices = [SelectChoice(0, _("（不关联表决）"))] + [SelectChoice(i, t) for i, t in votes]
    return form


@bp.route("/<slug:tenant_slug>/finance/distributions/<int:distribution_id>", methods=["GET", "POST"])
@login_required
def show(distribution_id: int):
    """The table of shares (paged), its exports, and booking it as one expense."""
    committee_only()
    found = _distribution(distribution_id)
    form, status = _record_form(), 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                service.record_distribution(db.session, found, paid_on=form.paid_on.data,
                                            decision=form.decision.data or "", vote_id=form.vote_id.data or None,
                                            today=clock.today())
                flash(_("已作为一笔支出入账。"), "success")
                return redirect(url_for("finance_distributions.show", distribution_id=distribution_id))
            except InputError as exc:
                show_error(form, exc, {"total_fen": "paid_on", "occurred_on": "paid_on"})
        status = 400
    shares = service.shares_of(db.session, found)
    page = page_arg()
    pages = max(1, -(-len(shares) // SHARES_PER_PAGE))
    shown = shares[(page - 1) * SHARES_PER_PAGE: page * SHARES_PER_PAGE]
    return render_template("finance/distribution.html", d=found, shares=shown, total_shares=len(shares),
                           page=page, pages=pages, form=form,
                           exact={s.id: _exact_yuan(service.exact_share(found, s)) for s in shown}), status


def _exact_yuan(share: Fraction) -> str:
    """An exact share in fen shown as yuan to six places (display only; amounts paid are whole fen)."""
    return f"{(Decimal(share.numerator) / Decimal(share.denominator) / 100).quantize(Decimal('0.000001'))}"


@bp.route("/<slug:tenant_slug>/finance/distributions/<int:distribution_id>/delete", methods=["POST"])
@login_required
def delete(distribution_id: int):
    committee_only()
    found = _distribution(distribution_id)
    return button(lambda: service.delete_distribution(db.session, found), done=_("已删除。"),
                  back=url_for("finance_distributions.show", distribution_id=distribution_id),
                  then=url_for("finance_distributions.index"))


@bp.route("/<slug:tenant_slug>/finance/distributions/<int:distribution_id>/shares.<any(csv, xlsx):fmt>")
@login_required
def export(distribution_id: int, fmt: str):
    """The whole table as CSV or XLSX, amounts in yuan and in fen, with the total."""
    committee_only()
    found = _distribution(distribution_id)
    header = [_("楼栋"), _("单元"), _("室"), _("业主姓名"), _("专有部分面积（㎡）"), _("分配金额（元）"), _("分配金额（分）")]
    shares = service.shares_of(db.session, found)
    rows = [[s.building, s.unit, s.room, s.name, s.floor_area, yuan(s.amount_fen).replace(",", ""), s.amount_fen]
            for s in shares]
    rows.append([_("合计"), "", "", _("%(n)s 户", n=len(shares)), found.total_area,
                 yuan(found.total_fen).replace(",", ""), found.total_fen])
    name = f"distribution-{found.id}.{fmt}"
    return csv_response(name, header, rows) if fmt == "csv" else xlsx_response(name, header, rows, _("收益分配"))
