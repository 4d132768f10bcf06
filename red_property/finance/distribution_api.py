"""Committee finance API, part three: ``/api/v1/finance/distributions`` (a surplus paid back to the owners)."""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from red_property.core import clock
from red_property.core.schemas import attributes
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.finance import distribution as service
from red_property.finance.models import Distribution, DistributionMethod
from red_property.finance.schemas import DistributionDetail, DistributionIn, DistributionOut, RecordIn
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Finance distributions", __name__, url_prefix="/api/v1/finance/distributions",
                description="收益分配: a surplus split over the roll in whole fen that add up exactly")
COMMITTEES = [for_kinds(TenantKind.COMMITTEE)]
ONE = [visible_or_404(Distribution, "distribution_id")] + COMMITTEES


def _detail(distribution: Distribution) -> dict:
    return {**attributes(distribution, DistributionOut), "shares": service.shares_of(db.session, distribution)}


@blp.route("")
class Distributions(MethodView):
    decorators = COMMITTEES

    @blp.response(200, DistributionOut(many=True))
    def get(self):
        """The committee's distributions, newest first."""
        return db.session.scalars(select(Distribution).order_by(Distribution.id.desc())).all()

    @blp.arguments(DistributionIn)
    @blp.response(201, DistributionDetail)
    def post(self, data):
        """Split a total over the roll by floor area or per household (largest remainder; ties in roll order)."""
        made = service.create_distribution(db.session, title=data["title"], method=DistributionMethod(data["method"]),
                                           total_fen=data["total_fen"])
        return _detail(made)


@blp.route("/<int:distribution_id>")
class DistributionResource(MethodView):
    decorators = ONE

    @blp.response(200, DistributionDetail)
    def get(self, distribution_id):
        """A distribution with every owner's share, in roll order."""
        return _detail(db.session.get(Distribution, distribution_id))

    @blp.response(204)
    def delete(self, distribution_id):
        """Delete a distribution not yet booked."""
        service.delete_distribution(db.session, db.session.get(Distribution, distribution_id))


@blp.route("/<int:distribution_id>/record")
class Record(MethodView):
    decorators = ONE

    @blp.arguments(RecordIn)
    @blp.response(201, DistributionOut)
    def post(self, data, distribution_id):
        """Book the distribution the owners decided as one ledger expense (optionally naming the vote)."""
        distribution = db.session.get(Distribution, distribution_id)
        service.record_distribution(db.session, distribution, **data, today=clock.today())
        return distribution
