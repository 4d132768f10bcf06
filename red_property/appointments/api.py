"""Cross-appointment API: ``/api/v1/appointments`` (property companies)."""
from dataclasses import asdict

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import and_, select

from red_property.appointments.indicators import today_by_community
from red_property.appointments.models import Body, Person, Post
from red_property.appointments.schemas import (EndIn, IndicatorsOut, ListArgs, PersonIn, PersonOut, PersonPage, PostIn,
                                               PostListArgs, PostOut, PostPage, RecordFile)
from red_property.appointments.services import attach_record, create_person, create_post, end_post
from red_property.communities.models import Community
from red_property.core import clock
from red_property.core.schemas import page_of
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Appointments", __name__, url_prefix="/api/v1/appointments",
                description="双向进入、交叉任职: people and their posts in the branch, owners' committee, "
                            "project office and residents' committee")
COMPANIES = [for_kinds(TenantKind.COMPANY)]
POST = [visible_or_404(Post, "post_id")] + COMPANIES


@blp.route("/people")
class People(MethodView):
    decorators = COMPANIES

    @blp.arguments(ListArgs, location="query")
    @blp.response(200, PersonPage)
    def get(self, args):
        """People holding or having held posts in the company's communities, paged."""
        stmt = select(Person)
        if args.get("community_id"):
            stmt = stmt.where(Person.community_id == args["community_id"])
        return page_of(db.session, stmt, args, Person.community_id, Person.name, Person.id)

    @blp.arguments(PersonIn)
    @blp.response(201, PersonOut)
    def post(self, data):
        """Register a person of a community the company manages; link the party roll when a member."""
        return create_person(db.session, data, today=clock.today())


@blp.route("/posts")
class Posts(MethodView):
    decorators = COMPANIES

    @blp.arguments(PostListArgs, location="query")
    @blp.response(200, PostPage)
    def get(self, args):
        """Posts, paged; filter by community, person, body and the day they are held on."""
        stmt = select(Post)
        if args.get("community_id"):
            stmt = stmt.join(Person, and_(Person.id == Post.person_id, Person.tenant_id == Post.tenant_id)).where(
                Person.community_id == args["community_id"])
        if args.get("person_id"):
            stmt = stmt.where(Post.person_id == args["person_id"])
        if args.get("body"):
            stmt = stmt.where(Post.body == Body(args["body"]))
        if args.get("on"):
            stmt = stmt.where(Post.in_office_on(args["on"]))
        return page_of(db.session, stmt, args, Post.person_id, Post.term_start.desc(), Post.id)

    @blp.arguments(PostIn)
    @blp.response(201, PostOut)
    def post(self, data):
        """Record a post with its term and the election or appointment that filled it.

        Refused (422, on the field at fault): a term ending before it starts or
        longer than the body's legal maximum; the same person in the same body
        over overlapping days; a second secretary, owners' committee chair or
        project manager at the same time; a part-time branch member holding no
        post in another body; an owners' committee post in a community whose
        entry in the bureau's register has no committee (on `body`: the public
        page says there is none, and the bureau registers it first).
        """
        return create_post(db.session, data, today=clock.today())


@blp.route("/posts/<int:post_id>/end")
class EndPost(MethodView):
    decorators = POST

    @blp.arguments(EndIn)
    @blp.response(200, PostOut)
    def post(self, data, post_id):
        """End a term before it runs out: the last day in office and why."""
        return end_post(db.session, db.session.get(Post, post_id), ended_on=data["ended_on"], reason=data["reason"])


@blp.route("/posts/<int:post_id>/record")
class PostRecord(MethodView):
    decorators = POST

    @blp.arguments(RecordFile, location="files")
    @blp.response(200, PostOut)
    def post(self, files, post_id):
        """Upload the election minutes or letter of appointment (multipart field ``file``)."""
        upload = files["file"]
        return attach_record(db.session, db.session.get(Post, post_id), filename=upload.filename or "",
                             data=upload.read())


@blp.route("/communities/<int:community_id>")
class CommunityIndicators(MethodView):
    decorators = [visible_or_404(Community, "community_id")] + COMPANIES

    @blp.response(200, IndicatorsOut)
    @blp.alt_response(404, description="Not a community the company manages today")
    def get(self, community_id):
        """The three cross-appointment checks of a community today, in plain words."""
        found = today_by_community(db.session, clock.today(), [community_id]).get(community_id)
        if found is None:
            abort(404, message="本企业当前不管理这个小区")
        return {"community_id": community_id, "committee_members": found.committee_members,
                "committee_party_members": found.committee_party_members,
                "party_share": None if found.party_share is None else float(found.party_share),
                "score": None if found.score is None else float(found.score),
                "checks": [asdict(c) for c in found.checks()]}
