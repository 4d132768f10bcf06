"""Web forms for activities, report-ins and negative records.

An activity form lists the community's party members with a tick box and
hours each (a default for everyone ticked saves typing), then rows for other
volunteers by name.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DecimalField, FieldList, Form, FormField, HiddenField, SelectField,
                     StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from red_property.activities.presenters import KINDS
from red_property.core.errors import InputError
from red_property.core.routing import MAX_ID
from red_property.meetings.forms import optional_int, put_error

VOLUNTEER_ROWS = 4


class MemberRow(Form):
    member_id = HiddenField()
    took_part = BooleanField(_l("参加"))
    hours = DecimalField(_l("时长（小时）"), places=1, validators=[Optional()])


class VolunteerRow(Form):
    name = StringField(_l("姓名"), validators=[Length(max=50)])
    hours = DecimalField(_l("时长（小时）"), places=1, validators=[Optional()])


class ActivityForm(FlaskForm):
    held_on = DateField(_l("活动日期"), validators=[DataRequired()])
    kind = SelectField(_l("活动类型"), choices=[SelectChoice(k.value, v) for k, v in KINDS.items()])
    title = StringField(_l("活动主题"), validators=[DataRequired(), Length(max=100)])
    place = StringField(_l("地点"), validators=[Length(max=100)])
    organisation_id = SelectField(_l("组织党组织"), coerce=optional_int, choices=[])
    default_hours = DecimalField(_l("每人默认时长（小时）"), places=1, validators=[Optional()])
    members = FieldList(FormField(MemberRow))
    volunteers = FieldList(FormField(VolunteerRow), min_entries=VOLUNTEER_ROWS)


class ReportForm(FlaskForm):
    member_id = SelectField(_l("在职党员"), coerce=optional_int, choices=[], validators=[DataRequired()])
    reported_on = DateField(_l("报到日期"), validators=[DataRequired()])
    claimed_items = TextAreaField(_l("认领的服务项目（每行一项，或用顿号分隔）"), validators=[Length(max=600)])


class NegativeForm(FlaskForm):
    member_id = SelectField(_l("党员"), coerce=optional_int, choices=[], validators=[DataRequired()])
    occurred_on = DateField(_l("发生日期"), validators=[DataRequired()])
    description = TextAreaField(_l("具体情况"), validators=[DataRequired(), Length(max=500)])
    rectify_by = DateField(_l("整改期限"), validators=[DataRequired()])


class NegativeFollowUpForm(FlaskForm):
    rectified_on = DateField(_l("整改完成日期"), validators=[Optional()])
    reported_on = DateField(_l("报告所在党组织日期"), validators=[Optional()])


def split_items(text: str | None) -> list[str]:
    return [part.strip() for part in re.split(r"[\n、,，;；]+", text or "") if part.strip()]


def member_choices(rows) -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [SelectChoice(i, f"{name}（{community}）") for i, name, community in rows]


def participants(form: ActivityForm, where: list[tuple[str, int]]) -> list[dict]:
    """Ticked members and named volunteers as the service takes them; ``where`` gets each one's place on the form."""
    rows: list[dict] = []
    default = form.default_hours.data
    for n, entry in enumerate(form.members):
        row = entry.form
        if row.took_part.data:
            where.append(("members", n))
            member_id = optional_int(row.member_id.data)
            if not isinstance(member_id, int) or not 1 <= member_id <= MAX_ID:   # a hidden field, edited by hand
                raise InputError(f"participants.{len(rows)}.member_id", "党员不存在")
            rows.append({"member_id": member_id, "hours": _hours(row, default, len(rows))})
    for n, entry in enumerate(form.volunteers):
        row = entry.form
        if (row.name.data or "").strip():
            where.append(("volunteers", n))
            rows.append({"name": row.name.data, "hours": _hours(row, default, len(rows))})
    return rows


def _hours(row, default, n: int):
    hours = row.hours.data if row.hours.data is not None else default
    if hours is None:
        raise InputError(f"participants.{n}.hours", "请填写服务时长，或填写每人默认时长")
    return hours


def show_error(form, exc: InputError, where: list[tuple[str, int]]) -> None:
    """Put a service's message beside its field; a participant's beside its row."""
    parts = exc.field.split(".")
    target = None
    if len(parts) == 3 and parts[0] == "participants" and int(parts[1]) < len(where):
        name, position = where[int(parts[1])]
        row = getattr(form, name)[position].form
        target = getattr(row, parts[2], None) or row.hours  # a member row has no name field
    elif len(parts) == 1:
        target = getattr(form, parts[0], None)
    put_error(form, target, str(exc))
