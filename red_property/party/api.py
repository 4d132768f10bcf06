"""Party organisation API: ``/api/v1/party`` (property companies)."""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import and_, select

from red_property.appointments.models import Body, Person, Post
from red_property.communities.models import Community
from red_property.core import clock
from red_property.core.schemas import CreatedOut
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.party.models import Level, PartyOrganisation, ReviewKind, SiteItem, SiteStatus
from red_property.party.rules import formation_for
from red_property.party.schemas import (CommunityPartyOut, EvidenceArgs, EvidenceFile, MemberIn, MemberListArgs,
                                        MemberPage, OrganisationIn, OrganisationOut, OverviewRowOut, ReviewIn,
                                        SeatOut, SiteCheckIn, SiteRowOut)
from red_property.party.services import (add_member, create_organisation, list_members, managed_communities,
                                         organisations_of, record_review)
from red_property.party.site import add_site_evidence, record_site_check, site_checklist
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Party", __name__, url_prefix="/api/v1/party", description="小区党组织: organisations, members, rules")
COMPANIES = [for_kinds(TenantKind.COMPANY)]
ORGANISATION = [visible_or_404(PartyOrganisation, "organisation_id")] + COMPANIES


def _organisation(organisation_id: int) -> PartyOrganisation:
    return db.session.get(PartyOrganisation, organisation_id)  # visible_or_404 ran first


@blp.route("/overview")
class Overview(MethodView):
    decorators = COMPANIES

    @blp.response(200, OverviewRowOut(many=True))
    def get(self):
        """Every community the company manages now, its branches and open findings (a fixed number of queries)."""
        today = clock.today()
        communities = managed_communities(db.session, today)
        formations = formation_for(db.session, [c for c, _ in communities], today)
        return [{"community_id": c, "community_name": name, "direct_members": formations[c].direct_members,
                 "branches": formations[c].branches, "findings": formations[c].open_findings}
                for c, name in communities]


@blp.route("/organisations")
class Organisations(MethodView):
    decorators = COMPANIES

    @blp.arguments(OrganisationIn)
    @blp.response(201, OrganisationOut)
    def post(self, data):
        """Create a party organisation for communities the company manages now."""
        return create_organisation(db.session, **{**data, "level": Level(data["level"])}, today=clock.today())


@blp.route("/organisations/<int:organisation_id>/committee")
class Committee(MethodView):
    decorators = ORGANISATION

    @blp.response(200, SeatOut(many=True))
    def get(self, organisation_id):
        """The branch committee's seats, current and past (add or end them under /api/v1/appointments/posts)."""
        today = clock.today()
        rows = db.session.execute(
            select(Post, Person.name).join(Person, and_(Person.id == Post.person_id, Person.tenant_id == Post.tenant_id))
            .where(Post.body == Body.PARTY_BRANCH, Post.organisation_id == organisation_id)
            .order_by(Post.term_start.desc(), Post.id)).all()
        return [{"id": p.id, "person_id": p.person_id, "name": name, "role": p.role.value, "term_start": p.term_start,
                 "term_end": p.term_end, "ended_on": p.ended_on, "in_office": p.in_office(today)}
                for p, name in rows]


@blp.route("/organisations/<int:organisation_id>/reviews")
class Reviews(MethodView):
    decorators = ORGANISATION

    @blp.arguments(ReviewIn)
    @blp.response(201, CreatedOut)
    def post(self, data, organisation_id):
        """Record a yearly member assessment or secretary's report."""
        return record_review(db.session, _organisation(organisation_id), {**data, "kind": ReviewKind(data["kind"])})


def _site_rows(organisation: PartyOrganisation) -> list[dict]:
    return [{"item": row.item.value, "status": row.check.status.value if row.check else None,
             "checked_on": row.check.checked_on if row.check else None, "note": row.check.note if row.check else None,
             "evidence": [{"file_id": e.file_id, "caption": e.caption} for e, _ in row.evidence]}
            for row in site_checklist(db.session, organisation)]


@blp.route("/organisations/<int:organisation_id>/site")
class Site(MethodView):
    decorators = ORGANISATION

    @blp.response(200, SiteRowOut(many=True))
    def get(self, organisation_id):
        """The branch's 七有 checklist: each item's status and its evidence (files under /api/v1/files)."""
        return _site_rows(_organisation(organisation_id))

    @blp.arguments(SiteCheckIn)
    @blp.response(200, SiteRowOut(many=True))
    def post(self, data, organisation_id):
        """Set a 七有 item's status as checked on a day."""
        organisation = _organisation(organisation_id)
        record_site_check(db.session, organisation, item=SiteItem(data["item"]), status=SiteStatus(data["status"]),
                          checked_on=data["checked_on"], note=data["note"], today=clock.today())
        return _site_rows(organisation)


@blp.route("/organisations/<int:organisation_id>/site/evidence")
class SiteEvidenceUpload(MethodView):
    decorators = ORGANISATION

    @blp.arguments(EvidenceArgs, location="query")
    @blp.arguments(EvidenceFile, location="files")
    @blp.response(201, SiteRowOut(many=True))
    def post(self, args, files, organisation_id):
        """Upload a photo or document (multipart field ``file``) showing a 七有 item."""
        organisation = _organisation(organisation_id)
        upload = files["file"]
        add_site_evidence(db.session, organisation, item=SiteItem(args["item"]), filename=upload.filename or "",
                          data=upload.read(), caption=args["caption"], today=clock.today())
        return _site_rows(organisation)


@blp.route("/members")
class Members(MethodView):
    decorators = COMPANIES

    @blp.arguments(MemberListArgs, location="query")
    @blp.response(200, MemberPage)
    def get(self, args):
        """Party members of the company's communities, paged."""
        result = list_members(db.session, page=args["page"], per_page=args["per_page"],
                              community_id=args.get("community_id"))
        return {"items": [m for m, _community, _building in result.items], "page": result.page,
                "per_page": result.per_page, "total": result.total}

    @blp.arguments(MemberIn)
    @blp.response(201, CreatedOut)
    def post(self, data):
        """Add a party member living in one of the company's communities."""
        return add_member(db.session, data)


@blp.route("/communities/<int:community_id>")
class CommunityParty(MethodView):
    decorators = [visible_or_404(Community, "community_id")] + COMPANIES

    @blp.response(200, CommunityPartyOut)
    def get(self, community_id):
        """The organisations covering a community and what the formation rules say."""
        return {"organisations": [o for o, _ in organisations_of(db.session, community_id)],
                "findings": formation_for(db.session, [community_id], clock.today())[community_id].findings}
