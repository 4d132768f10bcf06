"""Web forms for joint meetings: the whole meeting in one form, with repeated rows.

The first attendee rows come with the parties already chosen (branch, owners'
committee, company, residents' committee), so logging the usual monthly
meeting is typing names.  A blank row is skipped.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from red_property.core.errors import InputError
from red_property.meetings.models import AttendeeParty, MatterCategory, MeetingKind, ReviewOpinion
from red_property.meetings.presenters import CATEGORIES, KINDS, OPINIONS, PARTIES

ATTENDEE_ROWS, ITEM_ROWS = 6, 3
DEFAULT_PARTIES = [AttendeeParty.BRANCH, AttendeeParty.OWNERS_COMMITTEE, AttendeeParty.COMPANY,
                   AttendeeParty.RESIDENTS_COMMITTEE]


def optional_int(value):
    """A select's value: '' (none chosen) is None; anything not a number stays as it is,
    and then fails as a bad choice (with WTForms' translated message)."""
    if value in ("", None):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def optional_str(value):
    """A select's value: '' (none chosen) is None."""
    return value or None


def _choices(labels: dict, blank: bool = False) -> list:
    out = [SelectChoice("", "—")] if blank else []
    return out + [SelectChoice(k.value, v) for k, v in labels.items()]


class AttendeeRow(Form):
    party = SelectField(_l("代表"), coerce=optional_str, choices=_choices(PARTIES, blank=True))
    name = StringField(_l("姓名"), validators=[Length(max=50)])
    post = StringField(_l("职务"), validators=[Length(max=50)])
    member_id = SelectField(_l("关联党员"), coerce=optional_int, choices=[])


class ItemFields(Form):
    title = StringField(_l("议题"), validators=[Length(max=200)])
    category = SelectField(_l("事项类别"), choices=_choices(CATEGORIES), default=MatterCategory.OTHER.value)
    decision = TextAreaField(_l("决议"), validators=[Length(max=500)])
    responsible = StringField(_l("责任人"), validators=[Length(max=50)])
    due_on = DateField(_l("完成时限"), validators=[Optional()])
    reviewed_on = DateField(_l("党支部前置审核日期"), validators=[Optional()])
    review_opinion = SelectField(_l("审核意见"), coerce=optional_str, choices=_choices(OPINIONS, blank=True))
    review_note = StringField(_l("审核说明"), validators=[Length(max=500)])


class _Header(FlaskForm):
    held_on = DateField(_l("会议日期"), validators=[DataRequired()])
    kind = SelectField(_l("会议类型"), choices=_choices(KINDS), default=MeetingKind.MONTHLY.value)
    place = StringField(_l("会议地点"), validators=[DataRequired(), Length(max=100)])
    organisation_id = SelectField(_l("召集党组织"), coerce=optional_int, choices=[])
    minutes = FileField(_l("会议纪要（PDF、PNG 或 JPEG，可选）"))
    attendees = FieldList(FormField(AttendeeRow), min_entries=ATTENDEE_ROWS)


class MeetingForm(_Header):
    items = FieldList(FormField(ItemFields), min_entries=ITEM_ROWS)


class MeetingEditForm(_Header):
    pass


class ItemForm(FlaskForm, ItemFields):
    """One more agenda item on a logged meeting."""


class FollowUpForm(FlaskForm):
    note = StringField(_l("落实情况"), validators=[Length(max=500)])
    noted_on = DateField(_l("记录日期"), validators=[Optional()])
    done_on = DateField(_l("办结日期"), validators=[Optional()])


def set_choices(form, branches: list[tuple[int, str]], members: list[tuple[int, str]]) -> None:
    form.organisation_id.choices = [SelectChoice("", _l("（不指定）"))] + [SelectChoice(i, n) for i, n in branches]
    member_choices = [SelectChoice("", "—")] + [SelectChoice(i, n) for i, n in members]
    for row in form.attendees:
        row.form.member_id.choices = member_choices


def preset_parties(form) -> None:
    """A fresh form: the usual parties in the first rows."""
    for row, party in zip(form.attendees, DEFAULT_PARTIES):
        row.form.party.data = party.value


ATTENDEE_FIELDS = ("name", "member_id")
ITEM_FIELDS = ("title", "reviewed_on", "review_opinion", "review_note", "decision", "responsible", "due_on")


def filled(rows: FieldList, names: tuple[str, ...]) -> list[int]:
    """Form positions of the rows with anything typed or chosen (blank rows are skipped)."""
    return [n for n, entry in enumerate(rows)
            if any(entry.form[name].data not in ("", None) for name in names)]


def positions(form) -> dict[str, list[int]]:
    """Where each row the service sees sits on the form, to put its errors beside it."""
    out = {"attendees": filled(form.attendees, ATTENDEE_FIELDS)}
    if hasattr(form, "items"):
        out["items"] = filled(form.items, ITEM_FIELDS)
    return out


def attendee_rows(form, where: dict[str, list[int]]) -> list[dict]:
    """The filled attendee rows as the service takes them."""
    rows = []
    for n, position in enumerate(where["attendees"]):
        row = form.attendees[position].form
        if not row.party.data:
            raise InputError(f"attendees.{n}.party", "请选择代表哪一方")
        rows.append({"party": AttendeeParty(row.party.data), "name": row.name.data, "post": row.post.data,
                     "member_id": row.member_id.data})
    return rows


def item_data(row) -> dict:
    return {"title": row.title.data, "category": MatterCategory(row.category.data),
            "reviewed_on": row.reviewed_on.data,
            "review_opinion": ReviewOpinion(row.review_opinion.data) if row.review_opinion.data else None,
            "review_note": row.review_note.data, "decision": row.decision.data, "responsible": row.responsible.data,
            "due_on": row.due_on.data}


def item_rows(form, where: dict[str, list[int]]) -> list[dict]:
    return [item_data(form.items[position].form) for position in where["items"]]


def show_error(form, exc: InputError, where: dict[str, list[int]] | None = None) -> None:
    """Put a service's message beside its field; a row field (``items.1.due_on``) on its form row."""
    parts = exc.field.split(".")
    target = None
    if len(parts) == 3 and where and parts[0] in where:
        entries = getattr(form, parts[0]).entries
        target = getattr(entries[where[parts[0]][int(parts[1])]].form, parts[2], None)
    elif len(parts) == 1:
        target = getattr(form, parts[0], None)
    put_error(form, target, str(exc))


def put_error(form, target, message: str) -> None:
    """Beside ``target``, or at the top of the form for a field it does not show (or a whole list)."""
    if target is not None and not isinstance(target, FieldList):
        target.errors = [*target.errors, message]
    else:
        form.form_errors.append(message)
