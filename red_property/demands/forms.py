"""Web forms for demands (Flask-WTF, CSRF on every POST)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DateTimeLocalField, IntegerField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from red_property.demands import labels
from red_property.demands.models import MAX_HOURS, MIN_HOURS, Category, Source
from red_property.demands.queries import OPEN_FILTER

STAFF_SOURCES = {s: label for s, label in labels.SOURCE.items() if s != Source.PUBLIC_PAGE}
WHEN = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _any(choices):
    return [SelectChoice("", _l("全部"))] + choices


class FilterForm(FlaskForm):
    """The list's filters, read from the query string (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("搜索"), validators=[Optional(), Length(max=50)],
                    render_kw={"placeholder": _l("内容、电话、工单号、门牌"), "type": "search"})
    community_id = SelectField(_l("小区"), validators=[Optional()])
    status = SelectField(_l("状态"), choices=_any([SelectChoice(OPEN_FILTER, _l("未办结"))] + labels.choices(labels.STATUS)),
                         validators=[Optional()])
    category = SelectField(_l("类别"), choices=_any(labels.choices(labels.CATEGORY)), validators=[Optional()])
    route = SelectField(_l("分流方式"), choices=_any(labels.choices(labels.ROUTE)), validators=[Optional()])
    overdue = SelectField(_l("超期"), choices=_any([SelectChoice("1", _l("超期")), SelectChoice("0", _l("未超期"))]),
                          validators=[Optional()])
    source = SelectField(_l("来源"), choices=_any(labels.choices(labels.SOURCE)), validators=[Optional()])
    # choices (我的, then each colleague) are the viewer's: set by the view
    assignee_id = SelectField(_l("指派给"), validators=[Optional()])


def assignee_field():
    """The colleague a demand is assigned to.  Any value is accepted here: the service checks it
    (an active admin or staff user of the company) and names ``assignee_id`` when it is not one."""
    return SelectField(_l("指派给"), validate_choice=False, validators=[Optional()])


class IntakeForm(FlaskForm):
    community_id = SelectField(_l("小区"), coerce=int, validators=[InputRequired(_l("请选择小区"))])
    source = SelectField(_l("来源"), choices=labels.choices(STAFF_SOURCES))
    hotline_ticket = StringField(_l("12345 工单号"), validators=[Optional(), Length(max=30)])
    category = SelectField(_l("类别"), choices=labels.choices(labels.CATEGORY))
    description = TextAreaField(_l("诉求内容"), validators=[DataRequired(), Length(min=5, max=2000)])
    received_at = DateTimeLocalField(_l("受理时间（不填为现在）"), format=WHEN, validators=[Optional()])
    building_id = SelectField(_l("楼栋"), validators=[Optional()])
    location = StringField(_l("单元门牌或位置"), validators=[Optional(), Length(max=100)])
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=50)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=30)])


class RouteForm(FlaskForm):
    route = SelectField(_l("分流方式"), choices=labels.choices(labels.ROUTE))
    assignee_id = assignee_field()
    handler = StringField(_l("办理人或单位"), validators=[Optional(), Length(min=2, max=100)])
    reason = StringField(_l("改变默认分流的理由"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("类别（可更正）"), choices=labels.choices(labels.CATEGORY))


class ProgressForm(FlaskForm):
    note = TextAreaField(_l("办理进展"), validators=[DataRequired(), Length(min=2, max=1000)])


class MediationForm(FlaskForm):
    held_on = DateField(_l("调解日期"), validators=[DataRequired()])
    mediator = StringField(_l("调解人"), validators=[DataRequired(), Length(max=50)])
    parties = StringField(_l("当事人"), validators=[DataRequired(), Length(min=2, max=200)])
    agreed = BooleanField(_l("达成调解协议"))
    summary = TextAreaField(_l("调解情况"), validators=[DataRequired(), Length(min=4, max=2000)])


class CloseForm(FlaskForm):
    outcome = RadioField(_l("办结结果"),
                         choices=[SelectChoice("resolved", _l("已解决")), SelectChoice("unresolved", _l("未解决"))],
                         validators=[InputRequired(_l("请选择办结结果"))])
    resolution = TextAreaField(_l("处理结果或未解决的原因"), validators=[DataRequired(), Length(min=4, max=2000)])


class BulkForm(FlaskForm):
    """The list's bulk actions; the selected rows arrive as ``demand_ids`` checkboxes."""

    operation = SelectField(_l("批量操作"), choices=[SelectChoice("assign", _l("派单给")), SelectChoice("close", _l("办结"))])
    assignee_id = assignee_field()
    handler = StringField(_l("办理人或单位"), validators=[Optional(), Length(max=100)])
    outcome = SelectField(_l("办结结果"), choices=[SelectChoice("unresolved", _l("未解决")),
                                               SelectChoice("resolved", _l("已解决"))])
    resolution = TextAreaField(_l("办结理由"), validators=[Optional(), Length(max=2000)])


class InformForm(FlaskForm):
    informed_at = DateTimeLocalField(_l("告知时间（不填为现在）"), format=WHEN, validators=[Optional()])


class RatingForm(FlaskForm):
    rating = RadioField(_l("居民评价"), coerce=int, choices=[SelectChoice(n, "★" * n) for n in range(5, 0, -1)],
                        validators=[InputRequired(_l("请选择 1 到 5 星"))])
    comment = StringField(_l("评价意见"), validators=[Optional(), Length(max=500)])


def limits_form(hours: dict[Category, int]) -> FlaskForm:
    """One whole-hours field per category, filled with the company's limits."""

    class LimitsForm(FlaskForm):
        pass

    for category, label in labels.CATEGORY.items():
        setattr(LimitsForm, category.value, IntegerField(label, default=hours[category], validators=[
            InputRequired(_l("请填写时限")), NumberRange(min=MIN_HOURS, max=MAX_HOURS)]))
    return LimitsForm()
