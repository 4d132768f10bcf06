"""Invitation pages: the printable letter an admin sees once, re-issuing and
revoking a link, and the public page where the invitee chooses a password."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required, logout_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from red_property.accounts.models import Role, User
from red_property.accounts.passwords import MIN_PASSWORD
from red_property.accounts.permissions import require_admin
from red_property.core.errors import InputError
from red_property.core.forms import show_error
from red_property.core.tenancy import fresh_session
from red_property.core.visibility import visible_or_404
from red_property.extensions import db, limiter
from red_property.onboarding.invitations import (IssuedInvitation, accept_invitation, find_invitation,
                                                 invitation_problem, reissue_invitation, revoke_invitations)

bp = Blueprint("invitations", __name__, template_folder="templates")

ROLE_LABELS = {Role.ADMIN: _l("管理员"), Role.STAFF: _l("工作人员"), Role.READONLY: _l("只读")}


def qr_svg(url: str) -> Markup:
    """The link as an inline SVG QR code (segno), for the printed letter."""
    import segno

    return Markup(segno.make(url, error="m").svg_inline(scale=4, title=url))  # noqa: S704 - segno's own markup


def letter(issued: IssuedInvitation, status: int = 200, back: str | None = None):
    """The one page that shows an invitation's link: copy it, or print the letter."""
    response = make_response(render_template("onboarding/letter.html", issued=issued, qr=qr_svg(issued.url),
                                             role=ROLE_LABELS[issued.role],
                                             back=back or url_for("accounts.users")), status)
    response.headers["Cache-Control"] = "no-store"  # the link must not come back from a cache
    return response


@bp.route("/<slug:tenant_slug>/users/<int:user_id>/invitation", methods=["POST"])
@login_required
@require_admin
@visible_or_404(User, "user_id")
def reissue(user_id: int):
    """A new link for a user who has not accepted yet (the old one stops working)."""
    form = FlaskForm()
    if not form.validate_on_submit():
        return redirect(url_for("accounts.users"))
    try:
        return letter(reissue_invitation(db.session, user_id))
    except InputError as exc:
        flash(str(exc), "error")
        return redirect(url_for("accounts.users"))


@bp.route("/<slug:tenant_slug>/users/<int:user_id>/invitation/revoke", methods=["POST"])
@login_required
@require_admin
@visible_or_404(User, "user_id")
def revoke(user_id: int):
    """Revoke the user's open invitation links."""
    form = FlaskForm()
    if form.validate_on_submit():
        count = revoke_invitations(db.session, user_id)
        flash(_("已撤销 %(n)s 个邀请链接。", n=count), "success")
    return redirect(url_for("accounts.users"))


class AcceptForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])
    confirm = PasswordField(_l("再次输入新密码"),
                            validators=[DataRequired(), EqualTo("password", message=_l("两次输入的新密码不一致"))])


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def accept(token: str):
    """Open an invitation link and choose a password (no login: the link is the key)."""
    # A fresh session: the visitor may be logged in as someone else, whose tenant the
    # request's session already carries; the link names its own tenant.
    session = fresh_session()
    try:
        invitation = find_invitation(session, token)
        problem = invitation_problem(invitation)
        form = AcceptForm()
        status = 200
        if problem:
            status = 404 if invitation is None else 410
        elif form.is_submitted():
            status = 400
            if form.validate_on_submit():
                try:
                    accept_invitation(session, token, form.password.data)
                except InputError as exc:
                    show_error(form, exc, {"token": "password"} if exc.field != "token" else None)
                    status = 422
                else:
                    logout_user()  # whoever was logged in here, the next login is the invitee's
                    flash(_("密码已设置，请用邮箱和新密码登录。"), "success")
                    return redirect(url_for("accounts.login"))
        page = render_template("onboarding/accept.html", form=form, problem=problem,
                               user=None if invitation is None else invitation.user, min_length=MIN_PASSWORD)
    finally:
        session.close()
    response = make_response(page, status)
    # The link is a secret: no cache keeps the page (the Referrer-Policy is same-origin everywhere).
    response.headers["Cache-Control"] = "no-store"
    return response
