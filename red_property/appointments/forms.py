"""Forms of the cross-appointment pages, and the translated labels of bodies, roles and procedures."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from red_property.appointments.models import ROLES, Body, PostRole, Procedure
from red_property.party.forms import NONE, choices

BODY_LABELS = {Body.PARTY_BRANCH: _l("党支部委员会"), Body.OWNERS_COMMITTEE: _l("业主委员会"),
               Body.PROJECT_OFFICE: _l("物业项目部"), Body.RESIDENTS_COMMITTEE: _l("居民委员会")}
# Shown after the body's name ("业主委员会 · 主任"); the residents' committee's 主任 is named
# apart from the owners' committee's so that each has one English word.
ROLE_LABELS = {PostRole.SECRETARY: _l("书记"), PostRole.DEPUTY_SECRETARY: _l("副书记"),
               PostRole.COMMITTEE_MEMBER: _l("支部委员"), PostRole.PART_TIME_MEMBER: _l("兼职委员"),
               PostRole.CHAIR: _l("主任"), PostRole.VICE_CHAIR: _l("副主任"), PostRole.MEMBER: _l("委员"),
               PostRole.PROJECT_MANAGER: _l("项目经理"), PostRole.STAFF: _l("工作人员"),
               PostRole.DIRECTOR: _l("居委会主任")}
PROCEDURE_LABELS = {Procedure.ELECTION: _l("选举"), Procedure.APPOINTMENT: _l("任命")}
RECORD_HINT = _l("选举或任命记录（PDF、PNG 或 JPEG，不超过 10 MB）")


class PersonForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=50)])
    phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=20)])
    party_member_id = SelectField(_l("党员名册中的记录（是党员时选择）"), coerce=int, default=NONE)


class PostForm(FlaskForm):
    person_id = SelectField(_l("任职人员"), coerce=int)
    body = SelectField(_l("机构"), choices=choices(BODY_LABELS))
    role = SelectField(_l("职务"), choices=[SelectChoice(r.value, ROLE_LABELS[r], optgroup=label)
                                            for body, label in BODY_LABELS.items() for r in ROLES[body]])
    organisation_id = SelectField(_l("所在党支部（仅支部委员会）"), coerce=int, default=NONE)
    term_start = DateField(_l("任期开始"), validators=[DataRequired()])
    term_end = DateField(_l("任期届满"), validators=[Optional()])
    procedure = SelectField(_l("产生方式"), choices=choices(PROCEDURE_LABELS))
    procedure_on = DateField(_l("选举或任命日期"), validators=[DataRequired()])
    record = FileField(RECORD_HINT)


class EndForm(FlaskForm):
    ended_on = DateField(_l("离任日期"), validators=[DataRequired()])
    reason = StringField(_l("原因"), validators=[DataRequired(), Length(min=2, max=200)])


class RecordForm(FlaskForm):
    file = FileField(RECORD_HINT, validators=[FileRequired(_l("请选择文件"))])
