"""Owner vote pages: proposals, ballots (one by one or from a sheet), the tally and its chart."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from red_property.core.charts import threshold_chart
from red_property.core.confirm import Irreversible
from red_property.core.errors import InputError
from red_property.core.table_import import ImportRejected
from red_property.extensions import db
from red_property.finance.roll import roll_totals
from red_property.finance.views import button, committee_only, page_arg, paged
from red_property.core.forms import show_error
from red_property.votes import services
from red_property.votes.models import (CHOICE_LABELS, KIND_LABELS, SPECIAL_MAJORITY, STATUS_LABELS, Choice,
                                       ProposalKind, Vote, VoteStatus)
from red_property.votes.rules import Tally

bp = Blueprint("votes", __name__, template_folder="templates")
PER_PAGE = 50
CLOSE_VOTE = Irreversible("votes.close", _l("结束表决"),
                          _l("结束后不能再录入任何选票，表决结果按此刻的计票记录下来，不能重新开启或更改。"),
                          _l("确认结束"))


class VoteForm(FlaskForm):
    title = StringField(_l("表决事项"), validators=[DataRequired(), Length(min=2, max=200)])
    kind = SelectField(_l("事项类别（决定通过所需的比例）"),
                       choices=[SelectChoice(k.value, KIND_LABELS[k]) for k in ProposalKind])
    description = TextAreaField(_l("说明"), validators=[Length(max=5000)])


class BallotForm(FlaskForm):
    building = StringField(_l("楼栋"), validators=[DataRequired(), Length(max=50)])
    unit = StringField(_l("单元"), validators=[DataRequired(), Length(max=10)])
    room = StringField(_l("室"), validators=[DataRequired(), Length(max=10)])
    choice = SelectField(_l("表决意见"), choices=[SelectChoice(c.value, CHOICE_LABELS[c]) for c in Choice])


class BallotFileForm(FlaskForm):
    file = FileField(_l("选票汇总表（CSV 或 XLSX：楼栋、单元、室、表决意见）"), validators=[FileRequired(_l("请选择文件"))])


def labels() -> dict:
    return {"kinds": KIND_LABELS, "choices": CHOICE_LABELS, "statuses": STATUS_LABELS, "special": SPECIAL_MAJORITY}


@bp.route("/<slug:tenant_slug>/votes", methods=["GET", "POST"])
@login_required
def index():
    """The committee's votes and a form to draft one."""
    committee_only()
    form, status = VoteForm(prefix="new"), 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                vote = services.create_vote(db.session, title=form.title.data, kind=ProposalKind(form.kind.data),
                                            description=form.description.data or "")
                return redirect(url_for("votes.show", vote_id=vote.id))
            except InputError as exc:
                show_error(form, exc)
        status = 400
    shown = next((s for s in VoteStatus if s.value == request.args.get("status")), None)
    listed = select(Vote).order_by(Vote.id.desc())
    if shown is not None:   # ?status=open: the home page's task, votes under way
        listed = listed.where(Vote.status == shown)
    listing = paged(listed)
    owners, area = roll_totals(db.session)
    return render_template("votes/index.html", **listing, form=form, owners=owners, area=area,
                           labels=labels(), shown=shown), status


def _vote(vote_id: int) -> Vote:
    return db.get_or_404(Vote, vote_id)


def _chart(result: Tally):
    names = {"participation_area": _("参与面积 / 总面积"), "participation_owners": _("参与人数 / 总人数"),
             "majority_area": _("同意面积 / 参与面积"), "majority_owners": _("同意人数 / 参与人数")}
    marks = {"2/3": _("三分之二"), "3/4": _("四分之三"), "1/2": _("过半数")}
    items = []
    for c in result.conditions:
        numerator, denominator = c.threshold.split("/")
        items.append((names[c.code], c.share or 0.0, int(numerator) / int(denominator), marks[c.threshold], c.met))
    return threshold_chart(items, title=_("表决比例与法定门槛"))


@bp.route("/<slug:tenant_slug>/votes/<int:vote_id>", methods=["GET", "POST"])
@login_required
def show(vote_id: int, ballot_form: BallotForm | None = None, upload: BallotFileForm | None = None,
         import_errors=None, status: int = 200):
    """A vote: its wording (editable while a draft), the tally and chart, ballots and how to enter them."""
    committee_only()
    vote = _vote(vote_id)
    edit = VoteForm(prefix="edit", obj=vote) if vote.status == VoteStatus.DRAFT else None
    if edit is not None and not edit.is_submitted():
        edit.kind.data = vote.kind.value
    if request.method == "POST" and edit is not None and ballot_form is None and upload is None:
        if edit.validate_on_submit():
            try:
                services.update_vote(db.session, vote, title=edit.title.data, kind=ProposalKind(edit.kind.data),
                                     description=edit.description.data or "")
                flash(_("已保存。"), "success")
                return redirect(url_for("votes.show", vote_id=vote_id))
            except InputError as exc:
                show_error(edit, exc)
        status = 400
    elif request.method == "POST" and edit is None and ballot_form is None and upload is None:
        abort(409)
    result = services.current_tally(db.session, vote)
    page = page_arg()
    cast = {"yes": True, "no": False}.get(request.args.get("cast", ""))
    ballots, total = services.ballots_page(db.session, vote, page=page, per_page=PER_PAGE, cast=cast)
    return render_template("votes/vote.html", vote=vote, edit=edit, result=result,
                           chart=_chart(result) if result else None, ballots=ballots, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), cast=request.args.get("cast", ""),
                           ballot_form=ballot_form or BallotForm(prefix="ballot"),
                           upload=upload or BallotFileForm(prefix="sheet"), sheet_errors=import_errors or [],
                           labels=labels()), status


@bp.route("/<slug:tenant_slug>/votes/<int:vote_id>/ballots", methods=["POST"])
@login_required
def cast(vote_id: int):
    """Record one paper ballot by building, unit and room."""
    committee_only()
    vote = _vote(vote_id)
    form = BallotForm(prefix="ballot")
    if form.validate_on_submit():
        try:
            ballot = services.cast_ballot(db.session, vote, choice=Choice(form.choice.data),
                                          address=(form.building.data, form.unit.data, form.room.data))
            flash(_("已录入 %(who)s 的选票：%(choice)s。", who=f"{ballot.building}-{ballot.unit}-{ballot.room} {ballot.name}",
                    choice=CHOICE_LABELS[ballot.choice]), "success")
            return redirect(url_for("votes.show", vote_id=vote_id))
        except InputError as exc:
            show_error(form, exc)
            return show(vote_id, ballot_form=form, status=422)
    return show(vote_id, ballot_form=form, status=400)


@bp.route("/<slug:tenant_slug>/votes/<int:vote_id>/ballots/import", methods=["POST"])
@login_required
def import_ballots(vote_id: int):
    """Record a sheet of paper ballots: all of them, or none with every bad row listed."""
    committee_only()
    vote = _vote(vote_id)
    upload = BallotFileForm(prefix="sheet")
    if not upload.validate_on_submit():
        return show(vote_id, upload=upload, status=400)
    try:
        report = services.import_ballots(db.session, vote, upload.file.data.filename or "", upload.file.data.read())
    except ImportRejected as exc:
        return show(vote_id, upload=upload, import_errors=exc.errors, status=422)
    flash(_("已录入 %(n)s 张选票。", n=report["ballots"]), "success")
    return redirect(url_for("votes.show", vote_id=vote_id))


def _act(vote_id: int, action, done: str, then: str | None = None):
    committee_only()
    vote = _vote(vote_id)
    return button(lambda: action(db.session, vote), done=done, back=url_for("votes.show", vote_id=vote_id),
                  then=then)


@bp.route("/<slug:tenant_slug>/votes/<int:vote_id>/open", methods=["POST"])
@login_required
def open_(vote_id: int):
    return _act(vote_id, services.open_vote, _("表决已开始：名册中的每位业主都有一张选票。"))


@bp.route("/<slug:tenant_slug>/votes/<int:vote_id>/close", methods=["POST"])
@login_required
def close(vote_id: int):
    """Close the vote, once the user has confirmed that it is final."""
    if not CLOSE_VOTE.confirmed():
        committee_only()
        _vote(vote_id)
        return CLOSE_VOTE.ask(back=url_for("votes.show", vote_id=vote_id))
    return _act(vote_id, services.close_vote, _("表决已结束，结果已记录。"))


@bp.route("/<slug:tenant_slug>/votes/<int:vote_id>/delete", methods=["POST"])
@login_required
def delete(vote_id: int):
    return _act(vote_id, services.delete_vote, _("草稿已删除。"), then=url_for("votes.index"))
