"""The tenant's users: ``/api/v1/users`` (admins only)."""
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from red_property.accounts.edge import actor
from red_property.accounts.models import Role, User
from red_property.accounts.permissions import require_admin
from red_property.accounts.services import list_users, update_user
from red_property.extensions import db
from red_property.onboarding.invitations import invite_user
from red_property.onboarding.schemas import InvitationOut

blp = Blueprint("Users", __name__, url_prefix="/api/v1/users", description="The tenant's users (admins only)")

ROLES = [r.value for r in Role]


class UserOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.Function(lambda u: u.role.value)
    active = fields.Boolean()


class InvitedUserOut(Schema):
    user = fields.Nested(UserOut, required=True)
    invitation = fields.Nested(InvitationOut, required=True)


class UserIn(Schema):
    # No password: the user is invited and chooses their own (onboarding.invitations).
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class UserPatch(Schema):
    role = fields.String(validate=validate.OneOf(ROLES))
    active = fields.Boolean(truthy={True}, falsy={False})  # JSON true/false only, not "yes"


@blp.route("")
class Users(MethodView):
    decorators = [require_admin]

    @blp.response(200, UserOut(many=True))
    def get(self):
        """List the tenant's users."""
        return list_users(db.session)

    @blp.arguments(UserIn)
    @blp.response(201, InvitedUserOut)
    def post(self, data):
        """Invite a user to the tenant.

        The answer carries the one-time invitation link (shown once; only its hash is
        stored); it is also emailed when the server has ``MAIL_URL``.
        """
        issued = invite_user(db.session, email=data["email"], name=data["name"], role=Role(data["role"]))
        return {"user": db.session.get(User, issued.user_id), "invitation": issued}


@blp.route("/<int:user_id>")
class UserResource(MethodView):
    decorators = [require_admin]

    @blp.arguments(UserPatch)
    @blp.response(200, UserOut)
    def patch(self, data, user_id):
        """Change a user's role, or deactivate them (their API tokens are revoked)."""
        user = db.session.get(User, user_id)
        if user is None:
            abort(404, message="用户不存在 (user not found)")
        try:
            return update_user(db.session, user, actor_id=actor().id, role=Role(data["role"]) if "role" in data
                               else None, active=data.get("active"))
        except ValueError as exc:
            abort(422, errors={"json": {"active" if "active" in data else "role": [str(exc)]}})
