"""What the audit log calls each recorded field and action, in words (Chinese msgids; English
through the catalog), and how it shows a stored value: times on the users' clock."""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import lazy_gettext as _l

from red_property.core import clock

ACTIONS = {
    "create": _l("新增"), "update": _l("修改"), "delete": _l("删除"), "login": _l("登录"),
    "publish": _l("发布"), "discard": _l("放弃"), "issue": _l("开票"), "import": _l("导入"), "record": _l("入账"),
    "cast": _l("投票"), "cross_tenant_read": _l("跨租户查阅"), "accept_invitation": _l("接受邀请"),
    "create_tenant": _l("开通账户"), "invite_admin": _l("邀请首位管理员"),
    "set_up_committee": _l("成立业主委员会"), "suspend_tenant": _l("暂停账户"),
    "reactivate_tenant": _l("恢复账户"), "not_served_notice_shown": _l("公示不再提供服务"),
}

# Every column the audit log can show (a test checks that none is missing).
FIELDS = {
    "id": _l("编号"), "tenant_id": _l("所属租户"), "created_at": _l("创建时间"), "updated_at": _l("更新时间"),
    "created_by": _l("创建人"), "updated_by": _l("更新人"), "community_id": _l("小区"), "name": _l("名称"),
    "note": _l("备注"), "kind": _l("类型"), "organisation_id": _l("党组织"), "floor_area": _l("建筑面积"),
    "company_tenant_id": _l("物业服务企业"), "period": _l("期间"), "amount_fen": _l("金额（分）"),
    "file_id": _l("文件"), "status": _l("状态"), "category": _l("类别"), "room": _l("房号"),
    "due_on": _l("到期日"), "member_id": _l("党员"), "building_id": _l("楼栋"), "description": _l("描述"),
    "contact_name": _l("联系人"), "reason": _l("原因"), "at": _l("时间"), "recorded_by": _l("记录人"),
    "title": _l("标题"), "place": _l("地点"), "published_at": _l("发布时间"), "unit": _l("单元"),
    "run_id": _l("评价批次"), "household_id": _l("住户"), "address": _l("地址"), "year": _l("年度"),
    "score": _l("得分"), "reported_on": _l("报到日期"), "version": _l("版本"), "phone": _l("电话"),
    "actor_id": _l("操作人"), "user_id": _l("用户"), "secret_hash": _l("密钥摘要"), "hours": _l("时限（小时）"),
    "building": _l("楼栋"), "held_on": _l("举行日期"), "occurred_on": _l("发生日期"),
    "period_start": _l("期间开始"), "period_end": _l("期间结束"), "months": _l("月数"),
    "payer_name": _l("缴费人"), "building_kind": _l("楼栋类型"), "invoice_year": _l("发票年度"),
    "invoice_number": _l("发票号码"), "invoice_code": _l("发票代码"), "issued_at": _l("开具时间"),
    "starts_on": _l("开始日期"), "ends_on": _l("结束日期"), "role": _l("角色"), "source": _l("来源"),
    "contact_phone": _l("联系电话"), "route": _l("分流方式"), "closed_at": _l("办结时间"),
    "by_role": _l("按角色"), "entry_id": _l("账目"), "demand_id": _l("诉求"),
    "committee_tenant_id": _l("业主委员会"), "result": _l("结果"), "finished_at": _l("完成时间"),
    "total_area": _l("总面积"), "action": _l("操作"), "before": _l("修改前"), "after": _l("修改后"),
    "vote_id": _l("表决"), "owner_id": _l("业主"), "meeting_id": _l("会议"), "decision": _l("决定"),
    "done_on": _l("完成日期"), "credit_code": _l("统一社会信用代码"), "supersedes_id": _l("更正的对象"),
    "job_id": _l("任务"), "expires_at": _l("失效时间"), "revoked_at": _l("撤销时间"), "method": _l("方式"),
    "recorded_at": _l("记录时间"), "rectified_on": _l("整改日期"), "lines": _l("明细"),
    "paid_fen": _l("已付金额（分）"), "file_page": _l("文件页码"), "comment": _l("意见"),
    "contract_no": _l("合同编号"), "selection": _l("选聘方式"), "claimed_items": _l("申报事项"),
    "opened_on": _l("开立日期"), "opening_balance_fen": _l("期初余额（分）"), "item": _l("事项"),
    "checked_on": _l("检查日期"), "email": _l("邮箱"), "password_hash": _l("密码摘要"), "active": _l("启用"),
    "locale": _l("语言"), "location": _l("位置"), "hotline_ticket": _l("12345 工单号"),
    "received_at": _l("受理时间"), "due_at": _l("限办时间"), "route_reason": _l("改变分流的理由"),
    "handler": _l("办理人"), "assignee_id": _l("指派给"), "resolution": _l("处理结果"),
    "informed_at": _l("告知时间"),
    "rating": _l("评价"), "rating_comment": _l("评价意见"), "rated_at": _l("评价时间"),
    "overdue_at": _l("超期时间"), "bureau_tenant_id": _l("住建局"), "appeal_id": _l("申诉"),
    "upheld": _l("申诉成立"), "correction_run_id": _l("更正评价"), "decided_by": _l("处理人"),
    "decided_at": _l("处理时间"), "level": _l("层级"), "parent_id": _l("上级"), "founded_on": _l("成立日期"),
    "party_member_id": _l("党员"), "from_status": _l("原状态"), "to_status": _l("新状态"),
    "district": _l("区"), "street": _l("街道"), "neighbourhood": _l("社区"), "household_count": _l("户数"),
    "year_built": _l("建成年份"), "retired_on": _l("撤销日期"), "last_seen_at": _l("最近使用"),
    "ended_at": _l("结束时间"), "user_agent": _l("浏览器"), "params": _l("参数"), "progress": _l("进度"),
    "message": _l("消息"), "error": _l("错误"), "started_at": _l("开始时间"), "heartbeat_at": _l("心跳时间"),
    "signer_name": _l("签署人"), "signer_kind": _l("签署人类型"), "organisation": _l("单位"),
    "signed_on": _l("签署日期"), "pay_by": _l("缴费截止日"), "billed_tenant_id": _l("付款方"),
    "billed_name": _l("付款方名称"), "issued_by": _l("开具人"), "pdf": _l("PDF 文件"),
    "total_owners": _l("业主总数"), "passed": _l("通过"), "opened_at": _l("开启时间"), "purpose": _l("用途"),
    "content_type": _l("文件类型"), "size": _l("大小"), "sha256": _l("SHA-256 摘要"),
    "stored_as": _l("存储位置"), "uploaded_by": _l("上传人"), "uploaded_at": _l("上传时间"),
    "members": _l("成员"), "choice": _l("选择"), "cast_at": _l("投票时间"), "position": _l("职务"),
    "reviewed_on": _l("审核日期"), "review_opinion": _l("审核意见"), "review_note": _l("审核说明"),
    "responsible": _l("负责人"), "formal": _l("正式党员"), "directly_managed": _l("直管党员"),
    "home_organisation": _l("所在党组织"), "building_head": _l("楼栋长"), "entity": _l("对象"),
    "entity_id": _l("对象编号"), "inspected_on": _l("检查日期"), "legal_representative": _l("法定代表人"),
    "contact_email": _l("联系邮箱"), "not_served_notice": _l("公示不再提供服务"),
    "distribution_id": _l("分配方案"), "as_of": _l("截止日期"), "model_version_id": _l("模型版本"),
    "input_digest": _l("输入摘要"), "rated_companies": _l("参评企业数"), "appeals_until": _l("申诉截止日"),
    "accepted_at": _l("接受时间"), "monthly_period": _l("月份"), "minutes_file_id": _l("会议纪要文件"),
    "parties_complete": _l("三方到齐"), "total_fen": _l("合计（分）"), "owners": _l("业主"),
    "item_id": _l("事项"), "noted_on": _l("记录日期"), "issued_complete": _l("已全部开具"), "bill_id": _l("账单"),
    "paid_on": _l("缴费日期"), "bank_ref": _l("银行流水号"), "receipt_year": _l("收据年度"),
    "receipt_number": _l("收据号码"), "receipt_code": _l("收据代码"), "grade": _l("等级"), "rank": _l("名次"),
    "breakdown": _l("得分明细"), "activity_id": _l("活动"), "minutes": _l("纪要"), "content": _l("内容"),
    "blacklisted": _l("列入失信名单"),
    "fingerprint": _l("指纹"), "published_by": _l("发布人"), "slug": _l("网址标识"),
    "suspended_at": _l("暂停时间"), "mediator": _l("调解人"), "parties": _l("当事人"),
    "agreed": _l("达成调解协议"), "summary": _l("摘要"), "person_id": _l("任职人员"), "body": _l("机构"),
    "term_start": _l("任期开始"), "term_end": _l("任期届满"), "ended_on": _l("终止日期"),
    "end_reason": _l("终止原因"), "procedure": _l("产生方式"), "procedure_on": _l("选举或任命日期"),
    "record_file_id": _l("选举或任命文件"), "floors": _l("层数"), "party": _l("参会方"), "post": _l("职务"),
    "rectify_by": _l("整改期限"), "check_id": _l("检查"), "caption": _l("说明"), "series": _l("序列"),
    "last_number": _l("最后编号"), "authority": _l("机关"), "reference": _l("文号"), "direction": _l("方向"),
    "counterparty": _l("对方"), "indicator_id": _l("指标"), "explanation": _l("说明"),
    "attachment": _l("附件"), "attachment_name": _l("附件名称"), "filed_at": _l("提交时间"),
    "rate_fen": _l("单价（分）"), "effective_from": _l("生效日期"), "public_name": _l("公开名称"),
    "owner_name": _l("业主姓名"), "party_member_household": _l("党员户"), "term_starts_on": _l("任期开始"),
    "term_ends_on": _l("任期结束"), "filed_on": _l("备案日期"),
    # what record_event writes besides columns
    "previous_committee_tenant_id": _l("上一届业主委员会"), "admin": _l("管理员"), "ballots": _l("选票数"),
    "bills": _l("账单数"), "company_id": _l("企业"), "created": _l("新增数"), "updated": _l("更新数"),
    "file": _l("文件"), "from": _l("从"), "to": _l("至"), "only": _l("仅限"), "rows": _l("行数"),
    "was_suspended_at": _l("原暂停时间"),
    # fees: the payee account, credit and reversals (红冲)
    "account_name": _l("收款户名"), "account_number": _l("收款账号"), "bank_name": _l("开户银行"),
    "credit_fen": _l("预存变动（分）"), "reverses_id": _l("冲正的收款"),
    # rating: corrections and appeal decisions
    "correction": _l("更正方式"), "correction_reason": _l("更正理由"), "void_reason": _l("作废理由"),
    "voided_at": _l("作废时间"), "metric": _l("指标"), "new_value": _l("更正后的值"),
    "record_id": _l("记录编号"), "record_kind": _l("记录类型"),
    # notifications
    "subject_id": _l("相关事项"), "occasion": _l("触发事由"), "read_at": _l("阅读时间"), "emailed_at": _l("邮件发送时间"),
}


# Status codes the log shows in words (the rest of a recorded value is shown as it was stored,
# a code such as ``floor_area`` marked as code).
STATUS_WORDS = {
    "queued": _l("排队中"), "running": _l("计算中"), "ready": _l("待发布"), "failed": _l("计算失败"),
    "published": _l("已发布"), "done": _l("已完成"), "received": _l("已受理"), "in_progress": _l("办理中"),
    "resolved": _l("已解决"), "unresolved": _l("未解决（已办结）"),
}
STATUS_FIELDS = {"status", "from_status", "to_status"}
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


class Code(str):
    """A stored code with no words of its own: the page shows it as code."""


def action_label(action: str):
    return ACTIONS.get(action, action)


def field_label(key: str):
    return FIELDS.get(key, key)


def shown(value) -> str:
    """A stored value as a person reads it: an instant on the users' clock, yes/no in words."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(_l("是") if value else _l("否"))
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        try:
            instant = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if instant.tzinfo is not None:
            return clock.local(instant).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(_readable_ratios(value), ensure_ascii=False, sort_keys=True)
    return str(value)


def _readable_ratios(value):
    """A stored structure with its fractional floats as percentages: money is kept in fen and areas
    as decimal strings, so a float between 0 and 1 in a stored structure is a ratio (a vote's share)."""
    if isinstance(value, dict):
        return {k: _readable_ratios(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_readable_ratios(v) for v in value]
    if isinstance(value, float) and 0 < value < 1:
        from red_property.core.formatting import pct

        return pct(value)
    return value


def changes(before: dict | None, after: dict | None) -> list[tuple[str, str, str]]:
    """(field label, before, after) of one entry, in a stable order; a created row lists its
    values, a deleted one what it held."""
    before, after = before or {}, after or {}
    keys = sorted(set(before) | set(after), key=lambda k: (k not in FIELDS, list(FIELDS).index(k) if k in FIELDS else 0, k))
    return [(str(field_label(k)), _value(k, before[k]) if k in before else "",
             _value(k, after[k]) if k in after else "") for k in keys]


def _value(key: str, value):
    if key in STATUS_FIELDS and value in STATUS_WORDS:
        return str(STATUS_WORDS[value])
    text = shown(value)
    return Code(text) if isinstance(value, str) and CODE.match(value) else text
