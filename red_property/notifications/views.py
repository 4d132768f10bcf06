"""The notifications page, marking read, opening one; the bell's count in the top bar."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from red_property.core.tenancy import TenantNotSet
from red_property.core.urls import query_int
from red_property.extensions import db
from red_property.notifications import kinds, services
from red_property.notifications.models import Notification

bp = Blueprint("notifications", __name__, template_folder="templates")
PER_PAGE = 30


@bp.app_template_global("unread_notifications")
def unread_notifications() -> int | None:
    """The bell's count (base.html asks only for a logged-in user): one query.

    None when it cannot be read: an error page draws base.html too, also after the request's
    transaction failed or before its tenant was set, and must not fail in turn."""
    try:
        return services.unread_count(db.session, current_user.id)
    except (SQLAlchemyError, TenantNotSet):
        return None


@bp.app_template_global("notification_text")
def notification_text(n: Notification) -> dict:
    return {"title": kinds.title(n), "body": kinds.body(n)}


def _own(notification_id: int) -> Notification:
    notification = services.one_of_user(db.session, current_user.id, notification_id)
    if notification is None:
        abort(404)
    return notification


@bp.route("/<slug:tenant_slug>/notifications")
@login_required
def index():
    """The user's notifications, unread first marked, newest first."""
    page = query_int("page", 1, maximum=1_000_000)
    unread_only = request.args.get("unread") == "1"
    stmt = services.of_user(current_user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = db.session.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
                               .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template("notifications/index.html", items=items, total=total, unread_only=unread_only,
                           page=page, pages=max(1, -(-total // PER_PAGE)))


@bp.route("/<slug:tenant_slug>/notifications/<int:notification_id>")
@login_required
def open_one(notification_id: int):
    """Open a notification: it is read from now on, and the user lands on the thing to act on."""
    notification = services.mark_read(db.session, _own(notification_id))
    return redirect(kinds.link(notification, current_user.tenant.slug))


@bp.route("/<slug:tenant_slug>/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    """Mark one notification read without opening it."""
    services.mark_read(db.session, _own(notification_id))
    return redirect(url_for("notifications.index"))


@bp.route("/<slug:tenant_slug>/notifications/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark every notification of the user read."""
    count = services.mark_all_read(db.session, current_user.id)
    flash(_("已将 %(count)s 条通知标为已读。", count=count), "success")
    return redirect(url_for("notifications.index"))
