"""Forms of the party pages, and the translated labels of the party enums."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from red_property.party.models import Level, ReviewKind, SiteItem, SiteStatus

LEVEL_LABELS = {Level.COMMUNITY: _l("小区党支部（党总支）"), Level.JOINT: _l("联合党支部"), Level.GRID: _l("网格党支部"),
                Level.GROUP: _l("党小组"), Level.ZONE: _l("党员责任区")}
REVIEW_LABELS = {ReviewKind.ASSESSMENT: _l("委员年度考核"), ReviewKind.SECRETARY_REPORT: _l("书记年底述职")}
SITE_ITEM_LABELS = {SiteItem.PLACE: _l("有场所"), SiteItem.FACILITIES: _l("有设施"), SiteItem.SIGN: _l("有标志"),
                    SiteItem.FLAG: _l("有党旗"), SiteItem.OATH: _l("有誓词"), SiteItem.READING: _l("有书报"),
                    SiteItem.RULES: _l("有制度")}
SITE_STATUS_LABELS = {SiteStatus.IN_PLACE: _l("已达标"), SiteStatus.INCOMPLETE: _l("需完善"),
                      SiteStatus.MISSING: _l("未具备")}
NONE = 0  # the "none" choice of an optional id select


def choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(member.value, label) for member, label in labels.items()]


def optional_id(value: int | None) -> int | None:
    return None if not value else value


class OrganisationForm(FlaskForm):
    name = StringField(_l("组织名称"), validators=[DataRequired(), Length(min=2, max=100)])
    level = SelectField(_l("层级"), choices=choices(LEVEL_LABELS))
    community_ids = SelectMultipleField(_l("覆盖小区（联合党支部可多选）"), coerce=int,
                                        validators=[DataRequired(_l("至少选择一个小区"))])
    parent_id = SelectField(_l("上级组织"), coerce=int, default=NONE)
    building_id = SelectField(_l("楼栋（党小组）"), coerce=int, default=NONE)
    founded_on = DateField(_l("成立日期"), validators=[Optional()])


class MemberForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=50)])
    building_id = SelectField(_l("居住楼栋"), coerce=int, default=NONE)
    room = StringField(_l("房号"), validators=[Optional(), Length(max=20)])
    formal = SelectField(_l("党员类别"), choices=[SelectChoice("1", _l("正式党员")), SelectChoice("0", _l("预备党员"))])
    directly_managed = SelectField(_l("管理方式"), choices=[SelectChoice("1", _l("直管党员（组织关系在本支部）")),
                                                        SelectChoice("0", _l("在职党员（双报到）"))])
    home_organisation = StringField(_l("所在单位党组织（在职党员）"), validators=[Optional(), Length(max=100)])
    reported_on = DateField(_l("报到日期（在职党员）"), validators=[Optional()])
    building_head = BooleanField(_l("楼栋长"))

    def service_data(self, community_id: int) -> dict:
        return {"name": self.name.data.strip(), "community_id": community_id,
                "building_id": optional_id(self.building_id.data), "room": self.room.data or None,
                "formal": self.formal.data == "1", "directly_managed": self.directly_managed.data == "1",
                "home_organisation": (self.home_organisation.data or "").strip() or None,
                "reported_on": self.reported_on.data, "building_head": self.building_head.data}


class ReviewForm(FlaskForm):
    organisation_id = SelectField(_l("党支部"), coerce=int)
    year = IntegerField(_l("年度"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    kind = SelectField(_l("类别"), choices=choices(REVIEW_LABELS))
    done_on = DateField(_l("完成日期"), validators=[DataRequired()])


class SiteForm(FlaskForm):
    item = SelectField(_l("项目"), choices=choices(SITE_ITEM_LABELS))
    status = SelectField(_l("状态"), choices=choices(SITE_STATUS_LABELS))
    checked_on = DateField(_l("检查日期"), validators=[DataRequired()])
    note = StringField(_l("说明"), validators=[Optional(), Length(max=200)])
    file = FileField(_l("照片或文件（PDF、PNG 或 JPEG，不超过 10 MB）"))
    caption = StringField(_l("材料说明"), validators=[Optional(), Length(max=100)])
