"""The bureau sets up a community's owners' committee from the community's register page."""
from __future__ import annotations

from flask import Blueprint, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from red_property.core.forms import submit
from red_property.extensions import db
from red_property.onboarding.committees import set_up_committee
from red_property.onboarding.invitation_views import letter
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("committees", __name__, template_folder="templates")
FIELDS = ("term_starts_on", "term_ends_on", "filed_on", "admin_email", "admin_name", "name")


class CommitteeForm(FlaskForm):
    term_starts_on = DateField(_l("任期开始"), validators=[DataRequired()])
    term_ends_on = DateField(_l("任期结束"), validators=[DataRequired()])
    filed_on = DateField(_l("备案日期"), validators=[DataRequired()])
    admin_email = EmailField(_l("首位管理员邮箱"), validators=[DataRequired(), Email(), Length(max=254)])
    admin_name = StringField(_l("首位管理员姓名"), validators=[DataRequired(), Length(max=50)])
    name = StringField(_l("业主委员会名称（可空）"), validators=[Optional(), Length(max=200)])


@bp.route("/<slug:tenant_slug>/register/<int:community_id>/committees", methods=["POST"])
@login_required
def set_up(community_id: int):
    """Set up the committee for a term; the first admin's invitation letter is shown once."""
    from red_property.onboarding.register_views import _edit_page, _own

    require_kind(TenantKind.BUREAU)
    community = _own(community_id)
    form = CommitteeForm()

    def save():
        _, issued = set_up_committee(db.session, community, {name: getattr(form, name).data for name in FIELDS})
        return letter(issued, back=url_for("register.edit", community_id=community_id))

    def again(status: int):
        db.session.refresh(community)
        return _edit_page(community, None, committee_form=form, status=status)

    return submit(form, save, again, aliases={"slug": "name"})
