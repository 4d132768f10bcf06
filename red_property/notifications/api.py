"""Notification API: ``/api/v1/notifications`` (the calling user's own, in every kind of tenant)."""
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from red_property.accounts.edge import actor
from red_property.core.schemas import envelope, page_of
from red_property.extensions import db
from red_property.notifications import kinds, services
from red_property.notifications.models import Notification
from red_property.notifications.schemas import NotificationListArgs, NotificationOut, NotificationPage, ReadAllOut

blp = Blueprint("Notifications", __name__, url_prefix="/api/v1/notifications",
                description="通知: what the calling user must act on (demands, ratings, appeals, statements)")


def _out(n: Notification, slug: str) -> dict:
    return {"id": n.id, "kind": n.kind, "subject_id": n.subject_id, "params": n.params, "title": kinds.title(n),
            "body": kinds.body(n), "link": kinds.link(n, slug), "created_at": n.created_at, "read_at": n.read_at}


def _own(notification_id: int) -> Notification:
    notification = services.one_of_user(db.session, actor().id, notification_id)
    if notification is None:
        abort(404, message="通知不存在 (notification not found)")
    return notification


@blp.route("")
class Notifications(MethodView):
    @blp.arguments(NotificationListArgs, location="query")
    @blp.response(200, NotificationPage)
    def get(self, args):
        """The caller's notifications, newest first (``unread=true``: only those not read yet)."""
        user = actor()
        stmt = services.of_user(user.id)
        if "unread" in args:
            stmt = stmt.where(Notification.read_at.is_(None) if args["unread"] else Notification.read_at.is_not(None))
        page = page_of(db.session, stmt, args, Notification.created_at.desc(), Notification.id.desc())
        return envelope(args, [_out(n, user.tenant.slug) for n in page["items"]], page["total"])


@blp.route("/<int:notification_id>/read")
class Read(MethodView):
    @blp.response(200, NotificationOut)
    @blp.alt_response(404, description="No such notification, or another user's")
    def post(self, notification_id):
        """Mark one of the caller's notifications read (the first time it was read stays)."""
        return _out(services.mark_read(db.session, _own(notification_id)), actor().tenant.slug)


@blp.route("/read-all")
class ReadAll(MethodView):
    @blp.response(200, ReadAllOut)
    def post(self):
        """Mark every notification of the caller read."""
        return {"marked": services.mark_all_read(db.session, actor().id)}
