"""API authentication: exchange email and password for a bearer token, revoke it."""
from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from red_property.accounts.services import (MIN_PASSWORD, TenantSuspended, change_password, issue_token,
                                            revoke_token)
from red_property.accounts.throttle import authenticate_throttled
from red_property.extensions import db, limiter

blp = Blueprint("Auth", __name__, url_prefix="/api/v1/auth", description="Bearer tokens")


class Credentials(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenOut(Schema):
    token = fields.String(required=True)
    expires_in_days = fields.Integer()


@blp.route("/token")
class Token(MethodView):
    decorators = [limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])]

    @blp.arguments(Credentials)
    @blp.response(201, TokenOut)
    @blp.alt_response(401, description="Wrong email or password")
    @blp.alt_response(429, description="Too many failed logins from this address for this account: see Retry-After")
    @blp.alt_response(403, description="The account's organisation is suspended by the platform operator")
    @blp.doc(security=[])
    def post(self, creds):
        """Exchange email and password for a bearer token.

        The token is shown once; only its hash is stored.
        """
        try:
            user = authenticate_throttled(db.session, creds["email"], creds["password"])
        except TenantSuspended:
            abort(403, message="该账户所属单位已被暂停使用，请联系平台运营方 (the account's organisation is suspended)")
        if user is None:
            abort(401, message="邮箱或密码错误 (wrong email or password)")
        days = current_app.config["API_TOKEN_DAYS"]
        return {"token": issue_token(db.session, user, days), "expires_in_days": days}

    @blp.response(204)
    def delete(self):
        """Revoke the token this request was made with."""
        revoke_token(db.session, g.api_token)


class PasswordChange(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, validate=validate.Length(min=MIN_PASSWORD, max=200))


@blp.route("/password")
class Password(MethodView):
    decorators = [limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])]

    @blp.arguments(PasswordChange)
    @blp.response(204)
    def post(self, data):
        """Change your own password.

        Your other tokens and browser sessions stop working; the token of this request stays valid.
        """
        change_password(db.session, g.api_user, current=data["current_password"], new=data["new_password"],
                        keep=g.api_token)
