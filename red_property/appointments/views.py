"""Cross-appointment pages (property companies): every community's indicators, and one community's people and posts."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from red_property.appointments.forms import (BODY_LABELS, PROCEDURE_LABELS, ROLE_LABELS, EndForm, PersonForm, PostForm,
                                             RecordForm)
from red_property.appointments.indicators import today_by_community
from red_property.appointments.models import Person, Post
from red_property.appointments.services import (COMMITTEE_LEVELS, attach_record, create_person, create_post, end_post,
                                                people_of)
from red_property.communities.models import Community
from red_property.communities.services import has_committee, managed_now, with_committee
from red_property.core import clock
from red_property.core.charts import bar_chart
from red_property.core.formatting import pct_value
from red_property.extensions import db
from red_property.core.forms import submit, uploaded
from red_property.party.forms import NONE, optional_id
from red_property.party.models import PartyMember
from red_property.party.services import managed_communities, organisations_of
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("appointments", __name__, template_folder="templates")
LABELS = {"body": BODY_LABELS, "role": ROLE_LABELS, "procedure": PROCEDURE_LABELS}


@bp.route("/<slug:tenant_slug>/appointments")
@login_required
def index():
    """Every managed community's cross-appointment indicators today: three queries in all."""
    require_kind(TenantKind.COMPANY)
    today = clock.today()
    communities = managed_communities(db.session, today)
    indicators = today_by_community(db.session, today)
    rows = [(c, name, indicators.get(c)) for c, name in communities if c in indicators]
    # the register answers whether a committee exists, as on the public page; posts kept without one stay history
    committees = with_committee(db.session, [c for c, _name, _i in rows])
    shares = [(name, pct_value(i.party_share)) for c, name, i in rows if i.party_share is not None and c in committees]
    chart = bar_chart(sorted(shares, key=lambda s: s[1])[:20], title=_("业委会党员占比（目标 50%）"), unit="%",
                      max_value=100) if shares else None
    return render_template("appointments/index.html", rows=rows, chart=chart, committees=committees)


def _community(community_id: int) -> Community:
    return db.get_or_404(Community, community_id)


def _post(post_id: int) -> Post:
    return db.get_or_404(Post, post_id)


def _choices(community_id: int, person: PersonForm, post: PostForm) -> None:
    """People, unlinked party members and committee-electing branches of the community: three queries."""
    none = SelectChoice(NONE, _("（无）"))
    linked = select(Person.party_member_id).where(Person.community_id == community_id,
                                                  Person.party_member_id.is_not(None))
    members = db.session.execute(select(PartyMember.id, PartyMember.name, PartyMember.formal)
                                 .where(PartyMember.community_id == community_id, PartyMember.id.not_in(linked))
                                 .order_by(PartyMember.name)).all()
    person.party_member_id.choices = [none] + [
        SelectChoice(i, f"{name}（{_('正式党员') if formal else _('预备党员')}）") for i, name, formal in members]
    post.person_id.choices = [SelectChoice(i, name) for i, name in db.session.execute(
        select(Person.id, Person.name).where(Person.community_id == community_id).order_by(Person.name))]
    post.organisation_id.choices = [none] + [SelectChoice(o.id, o.name) for o, _covers
                                             in organisations_of(db.session, community_id)
                                             if o.level in COMMITTEE_LEVELS]


@bp.route("/<slug:tenant_slug>/appointments/communities/<int:community_id>")
@login_required
def community(community_id: int, person: PersonForm | None = None, post: PostForm | None = None,
              row_forms: dict | None = None, status: int = 200):
    """A community's indicators in plain words, its people and their posts, and the forms to keep them."""
    require_kind(TenantKind.COMPANY)
    record = _community(community_id)
    today = clock.today()
    person = person or PersonForm(prefix="person")
    post = post or PostForm(prefix="post", term_start=today, procedure_on=today)
    _choices(community_id, person, post)
    people = people_of(db.session, community_id)
    row_forms = row_forms or {}
    forms = {p.id: (row_forms.get(("end", p.id)) or EndForm(prefix=f"end{p.id}", ended_on=today),
                    row_forms.get(("record", p.id)) or RecordForm(prefix=f"record{p.id}"))
             for entry in people for p, _branch in entry.posts}
    indicators = today_by_community(db.session, today, [community_id]).get(community_id)
    return render_template("appointments/community.html", community=record, people=people, person=person, post=post,
                           row_forms=forms, indicators=indicators, labels=LABELS, today=today,
                           registered_committee=has_committee(db.session, community_id),
                           can_edit=managed_now(db.session, community_id, today)), status


@bp.route("/<slug:tenant_slug>/appointments/communities/<int:community_id>/people", methods=["POST"])
@login_required
def add_person(community_id: int):
    """Register someone who holds posts in the community (linked to the party roll when a member)."""
    require_kind(TenantKind.COMPANY)
    _community(community_id)
    form = PersonForm(prefix="person")
    _choices(community_id, form, PostForm(prefix="post"))

    def save():
        created = create_person(db.session, {"community_id": community_id, "name": form.name.data,
                                             "phone": form.phone.data,
                                             "party_member_id": optional_id(form.party_member_id.data)},
                                today=clock.today())
        flash(_("已登记：%(name)s", name=created.name), "success")
        return redirect(url_for("appointments.community", community_id=community_id))

    return submit(form, save, lambda status: community(community_id, person=form, status=status))


@bp.route("/<slug:tenant_slug>/appointments/communities/<int:community_id>/posts", methods=["POST"])
@login_required
def add_post(community_id: int):
    """Record a post with its term, procedure and record; every rule is checked by the service."""
    require_kind(TenantKind.COMPANY)
    _community(community_id)
    form = PostForm(prefix="post")
    _choices(community_id, PersonForm(prefix="person"), form)

    def save():
        create_post(db.session, {"person_id": form.person_id.data, "body": form.body.data, "role": form.role.data,
                                 "organisation_id": optional_id(form.organisation_id.data),
                                 "term_start": form.term_start.data, "term_end": form.term_end.data,
                                 "procedure": form.procedure.data, "procedure_on": form.procedure_on.data},
                    today=clock.today(),
                    record=uploaded(form.record))
        flash(_("已登记任职。"), "success")
        return redirect(url_for("appointments.community", community_id=community_id))

    return submit(form, save, lambda status: community(community_id, post=form, status=status))


def _row_form(post_id: int, kind: str, form_class, action):
    """A form of one post's row (end the term, upload its record), re-rendered in its row on bad input."""
    require_kind(TenantKind.COMPANY)
    post = _post(post_id)
    community_id = db.session.get(Person, post.person_id).community_id
    form = form_class(prefix=f"{kind}{post_id}")

    def save():
        action(post, form)
        return redirect(url_for("appointments.community", community_id=community_id))

    return submit(form, save, lambda status: community(community_id, row_forms={(kind, post_id): form}, status=status))


@bp.route("/<slug:tenant_slug>/appointments/posts/<int:post_id>/end", methods=["POST"])
@login_required
def end(post_id: int):
    """End a term before it runs out (resignation, removal, re-election)."""
    def action(post, form):
        end_post(db.session, post, ended_on=form.ended_on.data, reason=form.reason.data)
        flash(_("任期已结束。"), "success")

    return _row_form(post_id, "end", EndForm, action)


@bp.route("/<slug:tenant_slug>/appointments/posts/<int:post_id>/record", methods=["POST"])
@login_required
def record(post_id: int):
    """Upload a post's election minutes or letter of appointment."""
    def action(post, form):
        upload = form.file.data
        attach_record(db.session, post, filename=upload.filename or "", data=upload.read())
        flash(_("已上传。"), "success")

    return _row_form(post_id, "record", RecordForm, action)
