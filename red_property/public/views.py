"""Public pages: find a community, read what is published about it.  No login."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, render_template, request

from red_property.core.tenancy import public_read
from red_property.public.services import community_page, search_communities

bp = Blueprint("public", __name__, url_prefix="/public", template_folder="templates")
PER_PAGE = 30


@bp.route("/")
def index():
    """Search the register by community name, street or district."""
    q = (request.args.get("q") or "").strip()[:50] or None
    page = max(1, request.args.get("page", 1, type=int))
    with public_read() as session:
        items, total = search_communities(session, q, page, PER_PAGE)
        return render_template("public/index.html", items=items, total=total, q=q or "", page=page,
                               pages=max(1, -(-total // PER_PAGE)))


@bp.route("/communities/<int:community_id>")
def community(community_id: int):
    """A community's public page."""
    with public_read() as session:
        found = community_page(session, community_id, dt.date.today())
        if found is None:
            abort(404)
        return render_template("public/community.html", page=found)
