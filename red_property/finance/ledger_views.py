"""Ledger pages: the book's start, entries with their receipts (owners' committees only)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from red_property.core import clock
from red_property.core.errors import InputError
from red_property.core.money import parse_yuan, yuan
from red_property.extensions import db
from red_property.finance import ledger
from red_property.finance.models import (CATEGORY_LABELS, EXPENSE_CATEGORIES, INCOME_CATEGORIES, Category,
                                         LedgerEntry)
from red_property.finance.views import PER_PAGE, button, committee_only, page_arg
from red_property.core.forms import show_error

bp = Blueprint("finance_ledger", __name__, template_folder="templates")
ALIASES = {"amount_fen": "amount", "opening_balance_fen": "opening_balance"}


def category_choices() -> list:
    """Income first, then expenses, each labelled as such."""
    return ([SelectChoice(c.value, CATEGORY_LABELS[c], optgroup=_("收入")) for c in INCOME_CATEGORIES]
            + [SelectChoice(c.value, CATEGORY_LABELS[c], optgroup=_("支出")) for c in EXPENSE_CATEGORIES])


class EntryForm(FlaskForm):
    category = SelectField(_l("类别"))
    amount = StringField(_l("金额（元）"), validators=[DataRequired(), Length(max=30)])
    occurred_on = DateField(_l("日期"), validators=[DataRequired()])
    counterparty = StringField(_l("付款方 / 收款方"), validators=[DataRequired(), Length(max=100)])
    note = StringField(_l("说明"), validators=[Length(max=500)])


class BookForm(FlaskForm):
    opened_on = DateField(_l("开始记账日期"), validators=[DataRequired()])
    opening_balance = StringField(_l("期初余额（元）"), validators=[DataRequired(), Length(max=30)])


class ReceiptForm(FlaskForm):
    file = FileField(_l("凭证（PDF、PNG 或 JPEG，不超过 10 MB）"), validators=[FileRequired(_l("请选择文件"))])


def _entry_form(entry: LedgerEntry | None = None) -> EntryForm:
    form = EntryForm(prefix="entry", obj=entry) if entry else EntryForm(prefix="entry")
    form.category.choices = category_choices()
    if entry is not None and not form.is_submitted():
        form.category.data, form.amount.data = entry.category.value, yuan(entry.amount_fen).replace(",", "")
    return form


def _save(form: EntryForm, entry: LedgerEntry | None) -> LedgerEntry | None:
    """Validate and book (or correct) an entry; None with the errors on the form."""
    if not form.validate_on_submit():
        return None
    try:
        values = dict(category=Category(form.category.data), amount_fen=parse_yuan(form.amount.data, "amount_fen"),
                      occurred_on=form.occurred_on.data, counterparty=form.counterparty.data,
                      note=form.note.data or "", today=clock.today())
        if entry is None:
            return ledger.add_entry(db.session, **values)
        return ledger.update_entry(db.session, entry, **values)
    except InputError as exc:
        show_error(form, exc, ALIASES)
        return None


def _year_arg() -> int | None:
    year = request.args.get("year", type=int)
    return year if year is not None and 2000 <= year <= 2100 else None


@bp.route("/<slug:tenant_slug>/finance/ledger", methods=["GET", "POST"])
@login_required
def index():
    """The ledger: entries newest first (by year), a form to book one, the book's start."""
    committee_only()
    form, status = _entry_form(), 200
    if request.method == "POST":
        if _save(form, None) is not None:
            flash(_("已入账。"), "success")
            return redirect(url_for("finance_ledger.index"))
        status = 400
    return _page(form=form, status=status)


def _page(*, form: EntryForm | None = None, book_form: BookForm | None = None, status: int = 200):
    book = ledger.book_of(db.session)
    if book_form is None:
        book_form = BookForm(prefix="book", opened_on=book.opened_on,
                             opening_balance=yuan(book.opening_balance_fen).replace(",", ""))
    page, year = page_arg(), _year_arg()
    entries = ledger.list_entries(db.session, page=page, per_page=PER_PAGE, year=year)
    return render_template("finance/ledger.html", form=form or _entry_form(), book_form=book_form, book=book,
                           entries=entries, page=page, year=year, pages=max(1, -(-entries.total // PER_PAGE)),
                           balance=ledger.balance_before(db.session, None)), status


@bp.route("/<slug:tenant_slug>/finance/ledger/book", methods=["POST"])
@login_required
def book():
    """Set where the ledger starts and the balance carried in."""
    committee_only()
    form = BookForm(prefix="book")
    if form.validate_on_submit():
        try:
            ledger.set_book(db.session, opened_on=form.opened_on.data,
                            opening_balance_fen=parse_yuan(form.opening_balance.data, "opening_balance_fen",
                                                           allow_zero=True),
                            today=clock.today())
            flash(_("已保存。"), "success")
            return redirect(url_for("finance_ledger.index"))
        except InputError as exc:
            show_error(form, exc, ALIASES)
    return _page(book_form=form, status=400)


def _entry(entry_id: int) -> LedgerEntry:
    return db.get_or_404(LedgerEntry, entry_id)


@bp.route("/<slug:tenant_slug>/finance/ledger/<int:entry_id>", methods=["GET", "POST"])
@login_required
def entry(entry_id: int, receipt_form: ReceiptForm | None = None, status: int = 200):
    """One entry: correct it, see and add its receipts."""
    committee_only()
    row = _entry(entry_id)
    form = _entry_form(row)
    if request.method == "POST" and receipt_form is None:
        if _save(form, row) is not None:
            flash(_("已保存。"), "success")
            return redirect(url_for("finance_ledger.entry", entry_id=entry_id))
        status = 400
    receipts = ledger.receipts_of(db.session, [entry_id])[entry_id]
    return render_template("finance/entry.html", entry=row, form=form, receipts=receipts,
                           receipt_form=receipt_form or ReceiptForm(prefix="receipt")), status


@bp.route("/<slug:tenant_slug>/finance/ledger/<int:entry_id>/receipts", methods=["POST"])
@login_required
def add_receipt(entry_id: int):
    committee_only()
    row = _entry(entry_id)
    form = ReceiptForm(prefix="receipt")
    if form.validate_on_submit():
        try:
            ledger.attach_receipt(db.session, row, filename=form.file.data.filename or "",
                                  data=form.file.data.read())
            flash(_("凭证已上传。"), "success")
            return redirect(url_for("finance_ledger.entry", entry_id=entry_id))
        except InputError as exc:
            show_error(form, exc)
            return entry(entry_id, receipt_form=form, status=422)
    return entry(entry_id, receipt_form=form, status=400)


@bp.route("/<slug:tenant_slug>/finance/ledger/<int:entry_id>/delete", methods=["POST"])
@login_required
def delete(entry_id: int):
    committee_only()
    row = _entry(entry_id)
    return button(lambda: ledger.delete_entry(db.session, row), done=_("已删除。"),
                  back=url_for("finance_ledger.entry", entry_id=entry_id), then=url_for("finance_ledger.index"))
