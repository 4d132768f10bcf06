"""Login and logout for the web UI."""
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from werkzeug.exceptions import TooManyRequests
from wtforms.validators import DataRequired, Email, EqualTo, Length

from red_property.accounts.edge import SESSION_KEY
from red_property.accounts.models import Role, User
from red_property.accounts.permissions import require_admin
from red_property.accounts.services import (MIN_PASSWORD, TenantSuspended, change_password, list_users, note_login,
                                            update_user)
from red_property.accounts.sessions import end_sessions, start_session
from red_property.accounts.throttle import authenticate_throttled
from red_property.core.forms import submit
from red_property.core.urls import local_path
from red_property.extensions import db, limiter

ROLE_LABELS = {Role.ADMIN: _l("管理员"), Role.STAFF: _l("工作人员"), Role.READONLY: _l("只读")}
ROLE_CHOICES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]

bp = Blueprint("accounts", __name__, template_folder="templates")


class LoginForm(FlaskForm):
    # No format check here: login only compares with stored accounts (and the
    # validator rejects reserved domains such as the demo's @demo.test).
    email = EmailField(_l("邮箱"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate_throttled(db.session, form.email.data, form.password.data)
        except TooManyRequests as exc:
            flash(exc.description, "error")
            headers = {"Retry-After": str(exc.retry_after)}
            return render_template("accounts/login.html", form=form), 429, headers
        except TenantSuspended:
            flash(_("该账户所属单位已被暂停使用，请联系平台运营方。"), "error")
            return render_template("accounts/login.html", form=form), 403
        if user is not None:
            # A fresh session (and so a fresh CSRF token) on login: nothing a visitor's
            # session held before, possibly planted by someone else, carries into the account.
            session.clear()
            session.permanent = True  # expires after SESSION_IDLE_MINUTES without a request
            session[SESSION_KEY] = start_session(db.session, user, address=request.remote_addr,
                                                 user_agent=request.user_agent.string)
            login_user(user)
            note_login(db.session, user)
            return redirect(local_path(request.args.get("next")) or url_for("core.home"))
        flash(_("邮箱或密码错误。"), "error")
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("accounts/login.html", form=form), status


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])
    confirm = PasswordField(_l("再次输入新密码"),
                            validators=[DataRequired(), EqualTo("new_password", message=_l("两次输入的新密码不一致"))])


@bp.route("/<slug:tenant_slug>/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def password():
    """Change one's own password; other browser sessions and API tokens stop working."""
    form = PasswordForm()

    def save():
        user = current_user._get_current_object()
        change_password(db.session, user, current=form.current_password.data, new=form.new_password.data,
                        keep_session=g.browser_session_id)
        login_user(user)  # this browser stays logged in under the new password's stamp
        flash(_("密码已修改；其他设备上的登录和 API 令牌已失效。"), "success")
        return redirect(url_for("core.home"))

    def page(status: int = 200):
        return render_template("accounts/password.html", form=form), status

    return submit(form, save, page) if request.method == "POST" else page()


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End this browser's session on the server: a copy of its cookie is dead too."""
    end_sessions(db.session, current_user.id, only=g.browser_session_id)
    logout_user()
    session.clear()
    return redirect(url_for("accounts.login"))


class NewUserForm(FlaskForm):
    # No password: the new user gets an invitation link and chooses their own (onboarding.invitations).
    email = EmailField(_l("邮箱"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("角色"), choices=ROLE_CHOICES, default=Role.STAFF.value)


class EditUserForm(FlaskForm):
    role = SelectField(_l("角色"), choices=ROLE_CHOICES)
    active = BooleanField(_l("启用"))


@bp.route("/<slug:tenant_slug>/users", methods=["GET", "POST"])
@login_required
@require_admin
def users():
    """The tenant's users; admins invite users here (the invitation letter is shown once)."""
    from red_property.core.errors import InputError
    from red_property.core.forms import show_error
    from red_property.onboarding.invitation_views import letter
    from red_property.onboarding.invitations import invite_user, is_pending, pending_invitations

    form = NewUserForm()
    status = 200
    if form.validate_on_submit():
        try:
            return letter(invite_user(db.session, email=form.email.data, name=form.name.data,
                                      role=Role(form.role.data)))
        except InputError as exc:
            db.session.rollback()
            show_error(form, exc)
    if form.is_submitted():
        status = 400
    rows = [(user, EditUserForm(prefix=f"u{user.id}", role=user.role.value, active=user.active))
            for user in list_users(db.session)]
    return render_template("accounts/users.html", form=form, rows=rows, invitations=pending_invitations(db.session),
                           is_pending=is_pending), status


@bp.route("/<slug:tenant_slug>/users/<int:user_id>", methods=["POST"])
@login_required
@require_admin
def edit_user(user_id: int):
    """Change a user's role or deactivate them."""
    user = db.get_or_404(User, user_id)
    form = EditUserForm(prefix=f"u{user_id}")
    if not form.validate_on_submit():
        abort(400)
    try:
        update_user(db.session, user, actor_id=current_user.id, role=Role(form.role.data), active=form.active.data)
        flash(_("已更新 %(email)s。", email=user.email), "success")
    except ValueError:
        flash(_("不能停用自己或取消自己的管理员权限。"), "error")
    return redirect(url_for("accounts.users"))
