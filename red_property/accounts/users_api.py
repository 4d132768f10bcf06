"""The tenant's users: ``/api/v1/users`` (admins only)."""
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from red_property.accounts.edge import actor
from red_property.accounts.models import Role, User
from red_property.accounts.permissions import require_admin
from red_property.accounts.services import EmailTaken, create_user, list_users, update_user
from red_property.extensions import db

blp = Blueprint("Users", __name__, url_prefix="/api/v1/users", description="The tenant's users (admins only)")

ROLES = [r.value for r in Role]


class UserOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.Function(lambda u: u.role.value)
    active = fields.Boolean()


class UserIn(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    password = fields.String(required=True, validate=validate.Length(min=12, max=200))


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
    @blp.response(201, UserOut)
    def post(self, data):
        """Add a user to the tenant."""
        try:
            user = create_user(db.session, email=data["email"], name=data["name"], role=Role(data["role"]),
                               password=data["password"])
        except EmailTaken:
            abort(422, errors={"json": {"email": ["该邮箱已被使用 (email already in use)"]}})
        db.session.commit()
        return user


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
