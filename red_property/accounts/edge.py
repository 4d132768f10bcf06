"""The edge: who is asking, and for which tenant.  Runs before every view.

- API (``/api/v1/…``): a bearer token names the user and so the tenant.
- Web UI: the Flask-Login session names the user; tenant pages live under
  ``/<slug:tenant_slug>/…`` and a slug that is not the user's tenant answers 404.
- Read-only users may not send a write method anywhere.

Views never set or check the tenant themselves.
"""
from __future__ import annotations

from flask import Flask, abort, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from red_property.accounts.services import load_session_user, user_for_token
from red_property.extensions import db, login_manager

PUBLIC_API = {"/api/v1/auth/token", "/api/v1/openapi.json"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Writes a read-only user may still make: to their own session, token and password.
OWN_ACCOUNT = {"accounts.logout", "accounts.password", "account_sessions.end", "account_sessions.end_others",
               "Auth.Token", "Auth.Password"}


SESSION_KEY = "sid"  # the secret of the BrowserSession row behind this cookie (accounts/sessions.py)


@login_manager.user_loader
def _load_user(user_id: str):
    """The session keeps ``<id>:<stamp>`` (``User.get_id``) and the secret of a live
    ``BrowserSession``; anything else is no login."""
    user_part, _, stamp = user_id.partition(":")
    try:
        found = load_session_user(db.session, int(user_part), stamp, session.get(SESSION_KEY)) if stamp else None
    except ValueError:
        return None
    if found is None:
        return None
    user, row = found
    g.browser_session_id = row.id
    return user


def _authenticate_api() -> None:
    g.api_token = None
    if request.path == "/api/v1/openapi.json" or (request.path in PUBLIC_API and request.method == "POST"):
        return  # the spec, and the login that issues tokens
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret:
        abort(401, description="Missing bearer token (Authorization: Bearer <token>).")
    found = user_for_token(db.session, secret.strip())
    if found is None:
        abort(401, description="Invalid, expired or revoked token.")
    g.api_user, g.api_token = found


def actor():
    """The authenticated user of this request (API or web), or None."""
    if request.path.startswith("/api/"):
        # The API is bearer tokens only: a browser's session cookie must not
        # put its tenant on the session before a token login looks up a user.
        return getattr(g, "api_user", None)
    return current_user if current_user.is_authenticated else None


def init_app(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.session_protection = "strong"

    @app.before_request
    def _edge():
        if request.path.startswith("/api/"):
            _authenticate_api()
        user = actor()
        if user is not None and request.method not in SAFE_METHODS and not user.can_write:
            if request.endpoint not in OWN_ACCOUNT:
                abort(403, description="Read-only account.")

    @app.url_value_preprocessor
    def _tenant_from_url(endpoint, values):
        if not values or "tenant_slug" not in values:
            return
        slug = values.pop("tenant_slug")
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())  # no tenant page is reachable without login
        if current_user.tenant.slug != slug:
            abort(404)

    @app.url_defaults
    def _tenant_into_url(endpoint, values):
        if "tenant_slug" in values or not current_user or not current_user.is_authenticated:
            return
        if app.url_map.is_endpoint_expecting(endpoint, "tenant_slug"):
            values["tenant_slug"] = current_user.tenant.slug
