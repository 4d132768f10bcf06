"""Statement pages: list and start drafts, publish, correct, PDF, check a printed fingerprint."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange

from red_property.core import clock
from red_property.core.confirm import Irreversible
from red_property.core.errors import InputError
from red_property.core.pdf import pdf_bytes_response, pdf_response
from red_property.extensions import db
from red_property.finance import statements
from red_property.finance.ledger import receipts_of
from red_property.finance.models import Statement, StatementKind
from red_property.finance.public import document_html, statement_pdf
from red_property.finance.views import button, committee_only, paged
from red_property.core.forms import show_error

bp = Blueprint("finance_statements", __name__, template_folder="templates")
PUBLISH_STATEMENT = Irreversible("finance.publish_statement", _l("发布收支公示"),
                                 _l("发布后全体业主和公众都能看到这份公示，不能撤回；内容和指纹永不改变，"
                                    "如有错误只能提交更正（新的一版，本版仍然公开）。"), _l("确认发布"))


class StatementForm(FlaskForm):
    kind = SelectField(_l("公示类型"), choices=[SelectChoice("quarter", _l("季度公示")),
                                               SelectChoice("year", _l("年度公示"))])
    year = IntegerField(_l("年度"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    quarter = SelectField(_l("季度（年度公示不用选）"), coerce=int,
                          choices=[SelectChoice(q, _l("第 %(q)s 季度", q=q)) for q in (1, 2, 3, 4)])


class CorrectionForm(FlaskForm):
    reason = StringField(_l("更正原因"), validators=[DataRequired(), Length(min=2, max=500)])


class FingerprintForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only lookup by GET

    fingerprint = StringField(_l("公示指纹"), validators=[DataRequired(), Length(max=200)])


def _last_quarter(today: dt.date) -> tuple[int, int]:
    index = today.year * 4 + (today.month - 1) // 3 - 1
    return index // 4, index % 4 + 1


@bp.route("/<slug:tenant_slug>/finance/statements", methods=["GET", "POST"])
@login_required
def index():
    """All statements by period with their versions; start a draft; check a fingerprint."""
    committee_only()
    year, quarter = _last_quarter(clock.today())
    form, status = StatementForm(prefix="new", year=year, quarter=quarter), 200
    if request.method == "POST":
        if form.validate_on_submit():
            kind = StatementKind(form.kind.data)
            try:
                made = statements.create_statement(
                    db.session, kind=kind, year=form.year.data,
                    quarter=form.quarter.data if kind == StatementKind.QUARTER else None, today=clock.today())
                return redirect(url_for("finance_statements.show", statement_id=made.id))
            except InputError as exc:
                show_error(form, exc)
        status = 400
    check = FingerprintForm(request.args, prefix="check")
    matches = None
    if "check-fingerprint" in request.args:
        if check.validate():
            try:
                matches = statements.find_by_fingerprint(db.session, check.fingerprint.data)
            except InputError as exc:
                show_error(check, exc)
        if any(field.errors for field in check):
            status = 400
    listing = paged(select(Statement).order_by(Statement.starts_on.desc(), Statement.kind,
                                               Statement.version.desc()))
    ids = [s.id for s in listing["rows"]] + [m.id for m in matches or []]
    return render_template("finance/statements.html", **listing, form=form, check=check, matches=matches,
                           corrected=statements.superseded_by(db.session, ids)), status


def _statement(statement_id: int) -> Statement:
    return db.get_or_404(Statement, statement_id)


@bp.route("/<slug:tenant_slug>/finance/statements/<int:statement_id>", methods=["GET", "POST"])
@login_required
def show(statement_id: int):
    """A statement: the draft's live figures or the frozen published ones, with publish and correct."""
    committee_only()
    statement = _statement(statement_id)
    correction, status = CorrectionForm(prefix="correct"), 200
    if request.method == "POST":
        if correction.validate_on_submit():
            try:
                made = statements.correct_statement(db.session, statement, correction.reason.data)
                flash(_("已建立更正草稿。请先改正账簿，再发布更正。"), "success")
                return redirect(url_for("finance_statements.show", statement_id=made.id))
            except InputError as exc:
                show_error(correction, exc)
        status = 400
    content = statements.content_of(db.session, statement)
    files = receipts_of(db.session, [e["ref"] for e in content["entries"]])
    receipt_files = {ref: {f.sha256: f.id for f in found} for ref, found in files.items()}
    versions = statements.versions_of(db.session, statement.period)
    return render_template("finance/statement.html", statement=statement, content=content, versions=versions,
                           receipt_files=receipt_files, correction=correction,
                           fingerprint=statements.grouped(statement.fingerprint),
                           drifted=statements.ledger_changes(db.session, statement),
                           verified=statements.verify(statement) if statement.published_at else None,
                           latest=versions[-1].id == statement.id), status


@bp.route("/<slug:tenant_slug>/finance/statements/<int:statement_id>/publish", methods=["POST"])
@login_required
def publish(statement_id: int):
    """Publish a draft statement, once the user has confirmed that it is final."""
    committee_only()
    statement = _statement(statement_id)
    back = url_for("finance_statements.show", statement_id=statement_id)
    if not PUBLISH_STATEMENT.confirmed():
        return PUBLISH_STATEMENT.ask(back=back)
    return button(lambda: statements.publish_statement(db.session, statement, today=clock.today()),
                  done=_("已发布。发布后的公示不可修改，如有错误请提交更正。"),
                  back=url_for("finance_statements.show", statement_id=statement_id))


@bp.route("/<slug:tenant_slug>/finance/statements/<int:statement_id>/delete", methods=["POST"])
@login_required
def delete(statement_id: int):
    committee_only()
    statement = _statement(statement_id)
    return button(lambda: statements.delete_draft(db.session, statement), done=_("草稿已删除。"),
                  back=url_for("finance_statements.show", statement_id=statement_id),
                  then=url_for("finance_statements.index"))


@bp.route("/<slug:tenant_slug>/finance/statements/<int:statement_id>/statement.pdf")
@login_required
def pdf(statement_id: int):
    """The statement as a Chinese PDF with its fingerprint (a draft is marked as one)."""
    committee_only()
    statement = _statement(statement_id)
    if statement.published_at is None:
        html = document_html(statements.content_of(db.session, statement), None)
        return pdf_response(html, f"收支公示-{statement.period}-draft.pdf")
    return pdf_bytes_response(statement_pdf(db.session, statement_id), f"收支公示-{statement.period}-v{statement.version}.pdf")
