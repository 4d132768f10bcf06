"""Community register pages."""
import datetime as dt

from flask import Blueprint, abort, render_template, request
from flask_login import login_required

from red_property.communities.services import current_company, get_community, list_communities
from red_property.extensions import db

bp = Blueprint("communities", __name__, template_folder="templates")
PER_PAGE = 30


@bp.route("/<slug:tenant_slug>/communities")
@login_required
def index():
    page = max(1, request.args.get("page", 1, type=int))
    q = (request.args.get("q") or "").strip()[:100] or None
    result = list_communities(db.session, page=page, per_page=PER_PAGE, q=q)
    today = dt.date.today()
    companies = {c.id: current_company(result.contracts[c.id], today) for c in result.items}
    return render_template("communities/index.html", result=result, companies=companies, q=q or "",
                           pages=max(1, -(-result.total // PER_PAGE)))


@bp.route("/<slug:tenant_slug>/communities/<int:community_id>")
@login_required
def show(community_id: int):
    detail = get_community(db.session, community_id)
    if detail is None:
        abort(404)
    return render_template("communities/show.html", detail=detail, today=dt.date.today())
