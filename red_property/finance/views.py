"""Committee finance pages: the overview with its chart, and the owners' roll.

Every page here is the owners' committee's: other kinds of tenant get a 404.
The ledger, statements and distributions have their own modules.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from wtforms import DecimalField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from red_property.core import clock
from red_property.core.charts import grouped_bar_chart
from red_property.core.errors import InputError
from red_property.core.forms import show_error
from red_property.core.money import yuan
from red_property.core.table_import import ImportRejected
from red_property.extensions import db
from red_property.finance import ledger, roll
from red_property.finance.models import CATEGORY_LABELS, METHOD_LABELS, Owner, Statement
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("finance", __name__, template_folder="templates")
PER_PAGE = 50
TOTAL_LABELS = {"opening_balance": _l("期初余额"), "income_total": _l("本期收入"), "expense_total": _l("本期支出"),
                "closing_balance": _l("期末余额")}
FIELD_LABELS = {"date": _l("日期"), "category": _l("类别"), "amount": _l("金额"), "counterparty": _l("付款方 / 收款方"),
                "note": _l("说明"), "receipts": _l("凭证")}


@bp.app_template_filter("yuan")
def _yuan(fen) -> str:
    return yuan(int(fen))


@bp.app_template_global("finance_labels")
def finance_labels() -> dict:
    """Names of categories, totals and entry fields for statement templates (any page may embed one)."""
    return {"categories": CATEGORY_LABELS, "totals": TOTAL_LABELS, "fields": FIELD_LABELS, "methods": METHOD_LABELS}


def committee_only() -> None:
    require_kind(TenantKind.COMMITTEE)


def button(action, *, done: str, back: str, then: str | None = None):
    """A button that runs one service call: say what happened, then go on (``then``) or stay (``back``)."""
    try:
        action()
    except InputError as exc:
        flash(str(exc), "error")
        return redirect(back)
    flash(done, "success")
    return redirect(then or back)


def page_arg() -> int:
    return max(1, min(request.args.get("page", 1, type=int), 1_000_000))


def paged(stmt, per_page: int = PER_PAGE) -> dict:
    """One page of a query, as the list templates and ``pager.html`` want it: two queries."""
    page = page_arg()
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return {"rows": items, "page": page, "pages": max(1, -(-total // per_page))}


@bp.route("/<slug:tenant_slug>/finance")
@login_required
def index():
    """Balance, this year's income and expense by quarter, and the latest statements."""
    committee_only()
    today = clock.today()
    book = ledger.book_of(db.session)
    index_now = today.year * 4 + (today.month - 1) // 3   # quarters since year 0
    index_first = index_now - 7                            # the last eight quarters, from the book's start
    if book.opened_on is not None:
        index_first = max(index_first, min(index_now, book.opened_on.year * 4 + (book.opened_on.month - 1) // 3))
    first, last = (index_first // 4, index_first % 4 + 1), (index_now // 4, index_now % 4 + 1)
    quarters = ledger.quarter_totals(db.session, first, last)
    chart = grouped_bar_chart([(label, [income / 100, expense / 100]) for label, income, expense in quarters],
                              [_("收入"), _("支出")], title=_("各季度收入与支出（元）"))
    owners, area = roll.roll_totals(db.session)
    statements = db.session.scalars(select(Statement).order_by(Statement.starts_on.desc(), Statement.version.desc())
                                    .limit(6)).all()
    return render_template("finance/index.html", chart=chart, quarters=quarters, owners=owners, area=area,
                           balance=ledger.balance_before(db.session, None), book=book,
                           statements=statements)


class OwnerForm(FlaskForm):
    building = StringField(_l("楼栋"), validators=[DataRequired(), Length(max=50)])
    unit = StringField(_l("单元"), validators=[DataRequired(), Length(max=10)])
    room = StringField(_l("室"), validators=[DataRequired(), Length(max=10)])
    name = StringField(_l("业主姓名"), validators=[DataRequired(), Length(max=50)])
    floor_area = DecimalField(_l("专有部分面积（㎡）"), validators=[InputRequired()])


class RollFileForm(FlaskForm):
    file = FileField(_l("业主名册（CSV 或 XLSX）"), validators=[FileRequired(_l("请选择文件"))])


@bp.route("/<slug:tenant_slug>/finance/owners", methods=["GET", "POST"])
@login_required
def owners(upload: RollFileForm | None = None, errors=None, status: int = 200):
    """The roll: search, page, add one owner, import a file."""
    committee_only()
    form = OwnerForm(prefix="owner")
    if request.method == "POST" and upload is None:  # the add form (the import renders this page too)
        if form.validate_on_submit():
            try:
                roll.add_owner(db.session, building=form.building.data, unit=form.unit.data, room=form.room.data,
                               name=form.name.data, floor_area=form.floor_area.data)
                flash(_("已加入名册。"), "success")
                return redirect(url_for("finance.owners"))
            except InputError as exc:
                show_error(form, exc)
        status = 400
    page = page_arg()
    q = (request.args.get("q") or "").strip()[:50] or None
    items, total = roll.list_owners(db.session, page=page, per_page=PER_PAGE, q=q)
    count, area = roll.roll_totals(db.session)
    return render_template("finance/owners.html", items=items, total=total, page=page, q=q or "",
                           pages=max(1, -(-total // PER_PAGE)), form=form, upload=upload or RollFileForm(),
                           errors=errors or [], count=count, area=area), status


@bp.route("/<slug:tenant_slug>/finance/owners/import", methods=["POST"])
@login_required
def import_owners():
    """Import the roll; bad rows are listed by row and column and nothing is written."""
    committee_only()
    upload = RollFileForm()
    if not upload.validate_on_submit():
        return owners(upload=upload, status=400)
    try:
        report = roll.import_roll(db.session, upload.file.data.filename or "", upload.file.data.read())
    except ImportRejected as exc:
        return owners(upload=upload, errors=exc.errors, status=422)
    flash(_("导入完成：新增 %(c)s 户，更新 %(u)s 户，未变 %(n)s 户。", c=report["created"], u=report["updated"],
            n=report["unchanged"]), "success")
    return redirect(url_for("finance.owners"))


@bp.route("/<slug:tenant_slug>/finance/owners/<int:owner_id>/delete", methods=["POST"])
@login_required
def delete_owner(owner_id: int):
    committee_only()
    owner = db.get_or_404(Owner, owner_id)
    return button(lambda: roll.remove_owner(db.session, owner), done=_("已从名册删除。"), back=url_for("finance.owners"))
