"""Party pages (property companies): the overview, a community's organisations, members, 七有 sites."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from red_property.communities.models import Building, Community
from red_property.communities.services import managed_now
from red_property.core import clock
from red_property.core.charts import bar_chart
from red_property.core.routing import MAX_ID
from red_property.extensions import db
from red_property.party.forms import (LEVEL_LABELS, NONE, REVIEW_LABELS, SITE_ITEM_LABELS, SITE_STATUS_LABELS,
                                      MemberForm, OrganisationForm, ReviewForm, SiteForm, optional_id)
from red_property.core.forms import submit, uploaded
from red_property.party.models import Level, PartyOrganisation, ReviewKind, SiteItem, SiteStatus
from red_property.party.rules import BRANCH_LEVELS, formation_for
from red_property.party.services import (add_member, covered_communities, create_organisation, list_members,
                                         managed_communities, organisation_tree, organisations_of, record_review)
from red_property.party.site import record_site_check, site_checklist
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("party", __name__, template_folder="templates")
PER_PAGE = 50
MAX_PAGE = 1_000_000
COMMITTEE_LEVELS = (Level.COMMUNITY, Level.JOINT, Level.GRID)
LABELS = {"level": LEVEL_LABELS, "review": REVIEW_LABELS, "item": SITE_ITEM_LABELS, "status": SITE_STATUS_LABELS}


def _company() -> None:
    require_kind(TenantKind.COMPANY)


@bp.route("/<slug:tenant_slug>/party")
@login_required
def overview():
    """Every community the company manages: its coverage and the open findings, in a fixed number of queries."""
    _company()
    today = clock.today()
    communities = managed_communities(db.session, today)
    formations = formation_for(db.session, [c for c, _name in communities], today)
    rows = [(community_id, name, formations[community_id]) for community_id, name in communities]
    worst = sorted(rows, key=lambda r: (-len(r[2].open_findings), r[1]))[:15]
    chart = bar_chart([(name, len(f.open_findings)) for _c, name, f in worst if f.open_findings],
                      title=_("待整改事项最多的小区"), unit=_(" 项")) if any(r[2].open_findings for r in rows) else None
    covered = sum(1 for r in rows if r[2].branches)
    return render_template("party/overview.html", rows=rows, covered=covered, chart=chart, labels=LABELS,
                           open_total=sum(len(r[2].open_findings) for r in rows))


def _community(community_id: int) -> Community:
    return db.get_or_404(Community, community_id)


def _organisation_choices(organisations: list[PartyOrganisation], levels) -> list[SelectChoice]:
    return [SelectChoice(o.id, o.name) for o in organisations if o.level in levels]


def _forms(community_id: int, organisations: list[PartyOrganisation], today: dt.date, *, org=None, member=None,
           review=None):
    """The community page's three forms, bound to the request or fresh, with their choices: two queries."""
    org = org or OrganisationForm(prefix="org", community_ids=[community_id])
    member = member or MemberForm(prefix="member")
    review = review or ReviewForm(prefix="review", year=today.year - 1, done_on=today)
    buildings = [SelectChoice(i, name) for i, name in db.session.execute(
        select(Building.id, Building.name).where(Building.community_id == community_id).order_by(Building.name))]
    none = SelectChoice(NONE, _("（无）"))
    org.community_ids.choices = [SelectChoice(i, name) for i, name in managed_communities(db.session, today)]
    org.parent_id.choices = [none] + _organisation_choices(organisations, (Level.COMMUNITY, Level.JOINT, Level.GRID,
                                                                            Level.GROUP))
    org.building_id.choices = [none] + buildings
    member.building_id.choices = [none] + buildings
    review.organisation_id.choices = _organisation_choices(organisations, COMMITTEE_LEVELS)
    return {"org": org, "member": member, "review": review}


@bp.route("/<slug:tenant_slug>/party/communities/<int:community_id>")
@login_required
def community(community_id: int, forms: dict | None = None, status: int = 200):
    """A community's organisations as a tree, what the formation rules say, and the forms to act on it."""
    _company()
    record = _community(community_id)
    today = clock.today()
    organisations = [o for o, _covers in organisations_of(db.session, community_id)]
    formation = formation_for(db.session, [community_id], today)[community_id]
    forms = _forms(community_id, organisations, today, **(forms or {}))
    return render_template("party/community.html", community=record, tree=organisation_tree(organisations),
                           formation=formation, forms=forms, labels=LABELS, branch_levels=BRANCH_LEVELS,
                           can_edit=managed_now(db.session, community_id, today)), status


def _organisations(community_id: int) -> list[PartyOrganisation]:
    return [o for o, _covers in organisations_of(db.session, community_id)]


def _rerender(community_id: int, key: str, form):
    return lambda status: community(community_id, forms={key: form}, status=status)


@bp.route("/<slug:tenant_slug>/party/communities/<int:community_id>/organisations", methods=["POST"])
@login_required
def add_organisation(community_id: int):
    """Create an organisation covering this community (or several, for a joint branch)."""
    _company()
    _community(community_id)
    today = clock.today()
    form = OrganisationForm(prefix="org")
    _forms(community_id, _organisations(community_id), today, org=form)

    def save():
        created = create_organisation(db.session, name=form.name.data, level=Level(form.level.data),
                                      community_ids=form.community_ids.data, parent_id=optional_id(form.parent_id.data),
                                      building_id=optional_id(form.building_id.data), founded_on=form.founded_on.data,
                                      today=today)
        flash(_("已成立：%(name)s", name=created.name), "success")
        return redirect(url_for("party.community", community_id=community_id))

    return submit(form, save, _rerender(community_id, "org", form))


@bp.route("/<slug:tenant_slug>/party/communities/<int:community_id>/members", methods=["POST"])
@login_required
def add_member_here(community_id: int):
    """Add a party member living in this community."""
    _company()
    _community(community_id)
    form = MemberForm(prefix="member")
    _forms(community_id, _organisations(community_id), clock.today(), member=form)

    def save():
        member = add_member(db.session, form.service_data(community_id))
        flash(_("已登记党员：%(name)s", name=member.name), "success")
        return redirect(url_for("party.members", community_id=community_id))

    return submit(form, save, _rerender(community_id, "member", form))


@bp.route("/<slug:tenant_slug>/party/communities/<int:community_id>/reviews", methods=["POST"])
@login_required
def add_review(community_id: int):
    """Record a branch's yearly member assessment or secretary's report."""
    _company()
    _community(community_id)
    form = ReviewForm(prefix="review")
    organisations = _organisations(community_id)
    _forms(community_id, organisations, clock.today(), review=form)

    def save():
        branch = next(o for o in organisations if o.id == form.organisation_id.data)  # a validated choice
        record_review(db.session, branch, {"year": form.year.data, "kind": ReviewKind(form.kind.data),
                                           "done_on": form.done_on.data})
        flash(_("已记录。"), "success")
        return redirect(url_for("party.community", community_id=community_id))

    return submit(form, save, _rerender(community_id, "review", form))


@bp.route("/<slug:tenant_slug>/party/members")
@login_required
def members():
    """The company's party members, paged, optionally of one community: four queries."""
    _company()
    page = min(max(1, request.args.get("page", 1, type=int)), MAX_PAGE)
    community_id = request.args.get("community_id", type=int)
    if community_id is not None and not 1 <= community_id <= MAX_ID:
        community_id = None   # not an id: the database would refuse it
    communities = managed_communities(db.session, clock.today())
    result = list_members(db.session, page=page, per_page=PER_PAGE, community_id=community_id)
    return render_template("party/members.html", result=result, communities=communities, community_id=community_id,
                           pages=max(1, -(-result.total // PER_PAGE)))


def _branch(organisation_id: int) -> PartyOrganisation:
    organisation = db.session.get(PartyOrganisation, organisation_id)
    if organisation is None or organisation.level not in BRANCH_LEVELS:
        abort(404)
    return organisation


@bp.route("/<slug:tenant_slug>/party/organisations/<int:organisation_id>/site", methods=["GET", "POST"])
@login_required
def site(organisation_id: int):
    """A branch's 七有 checklist: each item's status and evidence; upload a photo or document."""
    _company()
    branch = _branch(organisation_id)
    today = clock.today()
    form = SiteForm(prefix="site", checked_on=today)

    def page(status: int = 200):
        return render_template("party/site.html", branch=branch, rows=site_checklist(db.session, branch), form=form,
                               labels=LABELS, communities=covered_communities(db.session, branch.id)), status

    def save():
        record_site_check(db.session, branch, item=SiteItem(form.item.data), status=SiteStatus(form.status.data),
                          checked_on=form.checked_on.data, note=form.note.data,
                          upload=uploaded(form.file),
                          caption=form.caption.data, today=today)
        flash(_("已保存。"), "success")
        return redirect(url_for("party.site", organisation_id=organisation_id))

    return submit(form, save, page) if request.method == "POST" else page()
