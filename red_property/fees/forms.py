"""Web forms of the fee pages.  Services check the rules; forms check shapes."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from red_property.fees.models import BuildingKind, PaymentMethod, SignerKind

KIND_NAMES = {BuildingKind.RESIDENTIAL.value: _l("住宅"), BuildingKind.COMMERCIAL.value: _l("商业"),
              BuildingKind.MIXED.value: _l("商住")}
METHOD_NAMES = {PaymentMethod.CASH.value: _l("现金"), PaymentMethod.BANK_TRANSFER.value: _l("银行转账"),
                PaymentMethod.CARD.value: _l("刷卡"), PaymentMethod.MOBILE.value: _l("扫码支付"),
                PaymentMethod.CREDIT.value: _l("预存余额抵扣")}
# what a clerk may choose: 预存抵扣 is recorded by the system when a bill is issued
RECEIVED_METHODS = {value: label for value, label in METHOD_NAMES.items() if value != PaymentMethod.CREDIT.value}
SIGNER_NAMES = {SignerKind.PARTY_MEMBER.value: _l("党员"), SignerKind.CIVIL_SERVANT.value: _l("公职人员")}


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs or a {value: label} mapping as WTForms wants them."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]
YUAN = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def fen_of(text: str) -> int:
    """'491.18' -> 49118 (validated by ``Yuan`` first)."""
    return int(Decimal(text) * 100)


class Yuan:
    """An amount in yuan with at most two decimals, as people type it."""

    def __call__(self, form, field):
        text = (field.data or "").strip().replace(",", "")
        if not YUAN.match(text):
            raise ValidationError(_l("请输入金额（元），最多两位小数，如 491.18"))
        try:
            Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the pattern already refused it
            raise ValidationError(_l("金额格式不正确")) from exc
        field.data = text


class ScheduleForm(FlaskForm):
    community_id = SelectField(_l("小区"), coerce=int, validate_choice=True)
    building_kind = SelectField(_l("楼栋类型"), choices=choices(KIND_NAMES))
    rate = StringField(_l("单价（元/㎡/月）"), validators=[DataRequired(), Yuan()])
    effective_from = DateField(_l("生效日期（某月 1 日）"), validators=[DataRequired()])


class RunForm(FlaskForm):
    community_id = SelectField(_l("小区"), coerce=int, validate_choice=True)
    period = StringField(_l("计费期间"), validators=[DataRequired(), Regexp(r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$",
                                                                         message=_l("格式如 2026-03 或 2026-Q1"))])
    due_on = DateField(_l("缴费截止日（可不填）"), validators=[Optional()])


class PaymentForm(FlaskForm):
    amount = StringField(_l("收款金额（元）"), validators=[DataRequired(), Yuan()])
    paid_on = DateField(_l("收款日期"), validators=[DataRequired()])
    method = SelectField(_l("收款方式"), choices=choices(RECEIVED_METHODS))
    payer_name = StringField(_l("交款人（默认为业主）"), validators=[Optional(), Length(max=50)])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)])


class StatementForm(FlaskForm):
    file = FileField(_l("银行流水（CSV 或 XLSX）"), validators=[FileRequired(_l("请选择文件"))])


class CommitmentForm(FlaskForm):
    signer_name = StringField(_l("签署人"), validators=[DataRequired(), Length(max=50)])
    signer_kind = SelectField(_l("身份"), choices=choices(SIGNER_NAMES))
    organisation = StringField(_l("工作单位 / 所在党组织"), validators=[Optional(), Length(max=100)])
    signed_on = DateField(_l("签署日期"), validators=[DataRequired()])
    pay_by = DateField(_l("承诺缴清日期"), validators=[Optional()])
    file = FileField(_l("承诺书扫描件（PDF、PNG 或 JPEG，可不传）"))


class SubscriptionForm(FlaskForm):
    billed_tenant_id = SelectField(_l("付款单位"), coerce=int, validate_choice=True)
    description = StringField(_l("服务项目"), validators=[DataRequired(), Length(min=2, max=200)])
    period = StringField(_l("服务期间"), validators=[DataRequired(), Length(max=20)])
    amount = StringField(_l("金额（元）"), validators=[DataRequired(), Yuan()])
    due_on = DateField(_l("付款截止日"), validators=[DataRequired()])


class ReversalForm(FlaskForm):
    reason = StringField(_l("红冲原因"), validators=[DataRequired(_l("请填写红冲原因")), Length(max=200)])


class PayeeAccountForm(FlaskForm):
    account_name = StringField(_l("户名"), validators=[DataRequired(_l("请填写户名")), Length(max=100)])
    bank_name = StringField(_l("开户行"), validators=[DataRequired(_l("请填写开户行")), Length(max=100)])
    account_number = StringField(_l("账号"), validators=[DataRequired(_l("请填写账号")), Length(max=60)])
    contact_phone = StringField(_l("收费咨询电话（可不填）"), validators=[Optional(), Length(max=30)])


class ArrearsNoticesForm(FlaskForm):
    community_id = SelectField(_l("小区"), coerce=int, validate_choice=True)
