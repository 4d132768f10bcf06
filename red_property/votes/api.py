"""Owner vote API: ``/api/v1/votes`` (owners' committees only)."""
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from red_property.core.schemas import attributes, envelope, page_schema
from red_property.core.table_import import ImportRejected
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.finance.api import UploadIn
from red_property.votes import services
from red_property.votes.models import Choice, ProposalKind, Vote
from red_property.votes.schemas import (BallotImportReport, BallotIn, BallotListArgs, BallotOut, TallyOut, VoteDetail,
                                        VoteIn, VoteOut)
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Votes", __name__, url_prefix="/api/v1/votes",
                description="业主表决: proposals, ballots from the owners' roll, tallies by Civil Code art. 278")
COMMITTEES = [for_kinds(TenantKind.COMMITTEE)]
ONE = [visible_or_404(Vote, "vote_id")] + COMMITTEES
BallotPage = page_schema(BallotOut, "BallotPage")


def _vote(vote_id: int) -> Vote:
    return db.session.get(Vote, vote_id)  # visible_or_404 ran first


def _detail(vote: Vote) -> dict:
    result = services.current_tally(db.session, vote)
    return {**attributes(vote, VoteOut), "tally": result.as_dict() if result else None}


@blp.route("")
class Votes(MethodView):
    decorators = COMMITTEES

    @blp.response(200, VoteOut(many=True))
    def get(self):
        """The committee's votes, newest first."""
        return db.session.scalars(select(Vote).order_by(Vote.id.desc())).all()

    @blp.arguments(VoteIn)
    @blp.response(201, VoteOut)
    def post(self, data):
        """Draft a proposal; its kind decides the majority it needs."""
        return services.create_vote(db.session, **{**data, "kind": ProposalKind(data["kind"])})


@blp.route("/<int:vote_id>")
class VoteResource(MethodView):
    decorators = ONE

    @blp.response(200, VoteDetail)
    def get(self, vote_id):
        """A vote with its tally so far (final once closed)."""
        return _detail(_vote(vote_id))

    @blp.arguments(VoteIn)
    @blp.response(200, VoteOut)
    def put(self, data, vote_id):
        """Change a draft's wording or kind."""
        return services.update_vote(db.session, _vote(vote_id), **{**data, "kind": ProposalKind(data["kind"])})

    @blp.response(204)
    def delete(self, vote_id):
        """Delete a draft."""
        services.delete_vote(db.session, _vote(vote_id))


@blp.route("/<int:vote_id>/open")
class Open(MethodView):
    decorators = ONE

    @blp.response(200, VoteDetail)
    def post(self, vote_id):
        """Open the vote: every owner on the roll now gets a ballot; the totals are fixed."""
        return _detail(services.open_vote(db.session, _vote(vote_id)))


@blp.route("/<int:vote_id>/close")
class Close(MethodView):
    decorators = ONE

    @blp.response(200, VoteDetail)
    def post(self, vote_id):
        """Close the vote: no more ballots; the result is recorded."""
        return _detail(services.close_vote(db.session, _vote(vote_id)))


@blp.route("/<int:vote_id>/tally")
class TallyResource(MethodView):
    decorators = ONE

    @blp.response(200, TallyOut)
    def get(self, vote_id):
        """The count by art. 278, each condition in plain words (404 while a draft: no electorate yet)."""
        result = services.current_tally(db.session, _vote(vote_id))
        if result is None:
            abort(404, message="表决尚未开始 (the vote has not opened)")
        return result.as_dict()


@blp.route("/<int:vote_id>/ballots")
class Ballots(MethodView):
    decorators = ONE

    @blp.arguments(BallotListArgs, location="query")
    @blp.response(200, BallotPage)
    def get(self, args, vote_id):
        """The vote's ballots in roll order; ``cast`` filters cast or outstanding ones."""
        items, total = services.ballots_page(db.session, _vote(vote_id), page=args["page"],
                                             per_page=args["per_page"], cast=args.get("cast"), q=args.get("q"))
        return envelope(args, items, total)

    @blp.arguments(BallotIn)
    @blp.response(201, BallotOut)
    def post(self, data, vote_id):
        """Record one owner's ballot (for, against, abstain); an owner votes once."""
        return services.cast_ballot(db.session, _vote(vote_id), owner_id=data["owner_id"],
                                    choice=Choice(data["choice"]))


@blp.route("/<int:vote_id>/ballots/import")
class BallotImport(MethodView):
    decorators = ONE

    @blp.arguments(UploadIn, location="files")
    @blp.response(200, BallotImportReport)
    @blp.alt_response(422, description="Bad rows: errors.rows lists row, column and message; no ballot was recorded")
    def post(self, files, vote_id):
        """Record paper ballots from CSV or XLSX (楼栋, 单元, 室, 表决意见): all of them or none."""
        upload = files["file"]
        try:
            return services.import_ballots(db.session, _vote(vote_id), upload.filename or "", upload.read())
        except ImportRejected as exc:
            abort(422, errors={"rows": [e.as_dict() for e in exc.errors]})
