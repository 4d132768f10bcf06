"""Where a company (for its party branches) and an owners' committee keep the
card residents see on the public community page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length

from red_property.core.forms import submit
from red_property.extensions import db
from red_property.public.profiles import (CONTACT_FIELDS, branch_cards, committee_profile, save_branch_profile,
                                          save_committee_profile)
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("profiles", __name__, template_folder="templates")


class ContactForm(FlaskForm):
    contact_name = StringField(_l("联系人"), validators=[Length(max=50)])
    phone = StringField(_l("联系电话"), validators=[Length(max=30)])
    place = StringField(_l("办公地点"), validators=[Length(max=200)])
    hours = StringField(_l("接待时间"), validators=[Length(max=100)])
    note = TextAreaField(_l("居民可以找我们做什么"), validators=[Length(max=1000)])
    publish = BooleanField(_l("在小区公开页上公开"))


class BranchCardForm(ContactForm):
    public_name = StringField(_l("公开名称"), validators=[Length(max=100)])


class CommitteeCardForm(ContactForm):
    members = TextAreaField(_l("成员（每行一人，如：主任 李秀英）"), validators=[Length(max=2000)])


def _filled(form_cls, profile, prefix: str, **defaults):
    form = form_cls(prefix=prefix, obj=profile, **defaults)
    if profile is not None and not form.is_submitted():
        form.publish.data = profile.published_at is not None
    return form


def _data(form: FlaskForm, *extra: str) -> dict:
    return {name: getattr(form, name).data for name in CONTACT_FIELDS + extra}


def _page(forms: dict | None = None, status: int = 200):
    kind = require_kind(TenantKind.COMPANY, TenantKind.COMMITTEE)
    forms = forms or {}
    if kind == TenantKind.COMPANY:
        cards = branch_cards(db.session)
        rows = [(card, forms.get(card.organisation.id) or _filled(
            BranchCardForm, card.profile, f"b{card.organisation.id}", public_name=card.organisation.name))
            for card in cards]
        return render_template("public/profile_company.html", rows=rows), status
    profile = committee_profile(db.session)
    form = forms.get("committee") or _filled(CommitteeCardForm, profile, "committee")
    return render_template("public/profile_committee.html", form=form, profile=profile), status


@bp.route("/<slug:tenant_slug>/public-profile")
@login_required
def index():
    """The cards this tenant shows (or could show) to residents."""
    return _page()


@bp.route("/<slug:tenant_slug>/public-profile/branches/<int:organisation_id>", methods=["POST"])
@login_required
def save_branch(organisation_id: int):
    require_kind(TenantKind.COMPANY)
    if not any(card.organisation.id == organisation_id for card in branch_cards(db.session)):
        abort(404)
    form = BranchCardForm(prefix=f"b{organisation_id}")

    def save():
        save_branch_profile(db.session, organisation_id, _data(form, "public_name"), publish=form.publish.data)
        flash(_("已保存。") + (_("居民现在可以在小区公开页上看到。") if form.publish.data else ""), "success")
        return redirect(url_for("profiles.index"))

    return submit(form, save, lambda status: _page({organisation_id: form}, status))


@bp.route("/<slug:tenant_slug>/public-profile/committee", methods=["POST"])
@login_required
def save_committee():
    require_kind(TenantKind.COMMITTEE)
    form = CommitteeCardForm(prefix="committee")

    def save():
        save_committee_profile(db.session, _data(form, "members"), publish=form.publish.data)
        flash(_("已保存。") + (_("居民现在可以在小区公开页上看到。") if form.publish.data else ""), "success")
        return redirect(url_for("profiles.index"))

    return submit(form, save, lambda status: _page({"committee": form}, status))
