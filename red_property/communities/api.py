"""Community register API: ``/api/v1/communities``."""
import datetime as dt

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from red_property.communities.presenters import community_dict, detail_dict
from red_property.communities.schemas import CommunityDetailOut, CommunityListArgs, CommunityOut
from red_property.communities.services import get_community, list_communities
from red_property.core.schemas import page_schema
from red_property.extensions import db

blp = Blueprint("Communities", __name__, url_prefix="/api/v1/communities",
                description="小区 register: the bureau's, as each tenant may see it")

CommunityPageOut = page_schema(CommunityOut, "CommunityPage")


@blp.route("")
class Communities(MethodView):
    @blp.arguments(CommunityListArgs, location="query")
    @blp.response(200, CommunityPageOut)
    def get(self, args):
        """List the communities this tenant may see.

        The bureau sees its whole register; a company the communities it
        manages or managed (with its own contract periods); an owners'
        committee its own community.
        """
        result = list_communities(db.session, **args)
        today = dt.date.today()
        return {
            "items": [community_dict(c, result.contracts[c.id], today) for c in result.items],
            "page": result.page, "per_page": result.per_page, "total": result.total,
        }


@blp.route("/<int:community_id>")
class CommunityResource(MethodView):
    @blp.response(200, CommunityDetailOut)
    @blp.alt_response(404, description="No such community, or not visible to this tenant")
    def get(self, community_id):
        """One community with its contracts and this tenant's buildings."""
        detail = get_community(db.session, community_id)
        if detail is None:
            abort(404, message="小区不存在 (community not found)")
        return detail_dict(detail, dt.date.today())
