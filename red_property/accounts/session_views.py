"""A user's own browser sessions: see where they are logged in, and end any of them."""
from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from red_property.accounts.models import BrowserSession
from red_property.accounts.sessions import end_sessions, user_sessions
from red_property.extensions import db

bp = Blueprint("account_sessions", __name__, template_folder="templates")


@bp.route("/<slug:tenant_slug>/account/sessions")
@login_required
def index():
    """Where this user is logged in (browser sessions), this one marked."""
    return render_template("accounts/sessions.html", rows=user_sessions(db.session, current_user.id),
                           current=g.browser_session_id)


@bp.route("/<slug:tenant_slug>/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end(session_id: int):
    """End one of one's own sessions; another user's (or tenant's) session is a 404."""
    row = db.session.get(BrowserSession, session_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    if end_sessions(db.session, current_user.id, only=row.id):
        flash(_("已结束该登录会话。"), "success")
    return redirect(url_for("account_sessions.index"))


@bp.route("/<slug:tenant_slug>/account/sessions/end-others", methods=["POST"])
@login_required
def end_others():
    """End every session of this user but this one."""
    count = end_sessions(db.session, current_user.id, keep=g.browser_session_id)
    flash(_("已结束其他 %(n)s 个登录会话。", n=count), "success")
    return redirect(url_for("account_sessions.index"))
