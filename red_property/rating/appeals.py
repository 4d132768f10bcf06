"""Appeals: a company objects within the window; the bureau upholds or rejects.

An upheld appeal starts a correction run (a new version of the rating) after
the bureau has fixed the input in question; the published run stays as it was.
"""
from __future__ import annotations

import datetime as dt
import decimal
import secrets
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from red_property.core import clock
from red_property.core.errors import InputError, add_unique
from red_property.core.exports import tenant_dir
from red_property.core.files import check_upload, original_name
from red_property.core.tenancy import current_actor_id, current_tenant_id
from red_property.notifications.kinds import APPEAL_DECIDED
from red_property.notifications.services import notify
from red_property.rating.models import Appeal, AppealDecision, RatingResult, RatingRun
from red_property.rating.runs import correct_run


def file_appeal(session: Session, run: RatingRun, *, indicator_id: str, explanation: str,
                upload: tuple[str, bytes] | None = None, now: dt.datetime | None = None) -> Appeal:
    """The company objects to one indicator (or "events") of its result in a published run."""
    now = now or clock.now()
    deadline = run.appeals_until
    if run.published_at is None or deadline is None:
        raise InputError("run_id", "只能对已发布的评价提出申诉")
    if now > deadline:
        raise InputError("run_id", f"申诉期已于 {deadline:%Y-%m-%d} 截止")
    result = session.scalars(select(RatingResult).where(RatingResult.run_id == run.id,
                                                        RatingResult.company_tenant_id == current_tenant_id(session))).first()
    if result is None:
        raise InputError("run_id", "本企业不在该次评价中")
    known = {i["id"] for i in result.breakdown["indicators"]} | {"events"}
    if indicator_id not in known:
        raise InputError("indicator_id", f"没有这个指标（可选：{'、'.join(sorted(known))}）")
    if not explanation or len(explanation.strip()) < 10:
        raise InputError("explanation", "请写明申诉理由（至少 10 个字）")
    appeal = Appeal(run_id=run.id, indicator_id=indicator_id, explanation=explanation.strip())
    if upload is not None:
        appeal.attachment, appeal.attachment_name = _store(session, *upload)
    add_unique(session, appeal, "indicator_id", "已对该指标提出过申诉")
    session.commit()
    return appeal


def _store(session: Session, name: str, data: bytes) -> tuple[str, str]:
    """Keep the file beside the appeal: the bureau reads it through the appeal's visibility."""
    suffix, content_type = check_upload(data, "attachment")
    stored = secrets.token_hex(16) + suffix
    folder = tenant_dir(current_tenant_id(session)) / "appeals"
    folder.mkdir(exist_ok=True)
    (folder / stored).write_bytes(data)
    return stored, original_name(name, stored, content_type)


def attachment_path(appeal: Appeal) -> Path | None:
    """The file of an appeal loaded through the scoped session (so it is visible to the caller)."""
    if not appeal.attachment:
        return None
    return tenant_dir(appeal.tenant_id) / "appeals" / Path(appeal.attachment).name


BUREAU_METRICS = {"inspection_score": "inspection", "branch_opinion": "opinion"}
CORRECTIONS = ("void", "correct", "exclude", "replace")


def decide_appeal(session: Session, appeal: Appeal, *, upheld: bool, reason: str,
                  correction: dict | None = None) -> AppealDecision:
    """The bureau's decision, final once made.

    Upholding needs ``correction``: ``{"kind": "void"|"correct", "record_kind", "record_id"[, "new_value"]}``
    for one of the bureau's own records about the company, or ``{"kind": "exclude"|"replace",
    "community_id"[, "new_value"]}`` for the company's record of the appealed indicator in one
    community.  The correction is made, then a correction run of the appealed rating starts; a
    rejected appeal changes nothing.
    """
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InputError("reason", "请写明处理理由")
    if session.scalar(select(AppealDecision.id).where(AppealDecision.appeal_id == appeal.id)) is not None:
        raise InputError("appeal_id", "该申诉已处理")
    run = session.get(RatingRun, appeal.run_id)
    decision = AppealDecision(appeal_id=appeal.id, upheld=upheld, reason=reason,
                              decided_by=current_actor_id(session))
    if upheld:
        _correct(session, appeal, run, decision, correction or {}, f"申诉 #{appeal.id} 成立：{reason}")
    session.add(decision)
    session.flush()
    if upheld:
        correction_run = correct_run(session, run, f"申诉 #{appeal.id} 成立：{reason}")
        decision.correction_run_id = correction_run.id
    session.commit()
    notify(session, APPEAL_DECIDED, appeal.id)
    return decision


def _correct(session: Session, appeal: Appeal, run: RatingRun, decision: AppealDecision, correction: dict,
             why: str) -> None:
    """Make the correction an upheld appeal names, and record it on the decision."""
    from red_property.rating import records

    kind = correction.get("kind")
    if kind not in CORRECTIONS:
        raise InputError("correction", "申诉成立时须选择更正方式：更正或作废本局记录，或排除、替换企业记录")
    value = correction.get("new_value")
    if kind in ("correct", "replace"):
        if value is None:
            raise InputError("new_value", "请填写更正后的数值")
        try:
            value = decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            raise InputError("new_value", "请填写数值") from None
        if not value.is_finite() or value < 0 or value > 100_000:
            raise InputError("new_value", "数值应在 0 至 100000 之间")
    decision.correction, decision.as_of, decision.new_value = kind, run.as_of, value
    if kind in ("void", "correct"):
        record = records.get_record(session, correction.get("record_kind", ""), correction.get("record_id") or 0)
        if record.company_tenant_id != appeal.tenant_id:
            raise InputError("record_id", "该记录与申诉企业无关")
        record_kind = correction["record_kind"]
        if kind == "void":
            records.void_record(session, record_kind, record.id, why[:500], commit=False)
        else:
            if record_kind == "event":
                raise InputError("correction", "加减分事项只能作废后重新登记")
            if value > 100:
                raise InputError("new_value", "分数应在 0 至 100 之间")
            records.correct_record(session, record_kind, record.id, {"score": value}, why[:500], commit=False)
        decision.record_kind, decision.record_id = record_kind, record.id
        return
    result = session.scalars(select(RatingResult).where(RatingResult.run_id == run.id,
                                                        RatingResult.company_tenant_id == appeal.tenant_id)).first()
    indicator = next((i for i in (result.breakdown["indicators"] if result else [])
                      if i["id"] == appeal.indicator_id), None)
    if indicator is None or indicator["metric"] in BUREAU_METRICS:
        raise InputError("correction", "该指标来自本局记录：请更正或作废那条记录")
    community_id = correction.get("community_id")
    if community_id not in {cid for cid, _value in indicator["communities"]}:
        raise InputError("community_id", "该企业在这次评价中没有这个小区")
    decision.metric, decision.community_id = indicator["metric"], community_id


def pending_appeals_count(session: Session) -> int:
    """Appeals on the caller's runs still waiting for a decision (the bureau's home page shows it)."""
    return session.scalar(select(func.count(Appeal.id))
                          .outerjoin(AppealDecision, AppealDecision.appeal_id == Appeal.id)
                          .where(AppealDecision.id.is_(None))) or 0


APPEAL_STATUSES = ("pending", "upheld", "rejected", "all")


def appeal_inbox(session: Session, status: str = "all", limit: int = 200) -> list:
    """The bureau's appeals (pending first, then newest) with their decision, run and company name: one query."""
    from red_property.tenants.models import Tenant

    stmt = (select(Appeal, AppealDecision, RatingRun, Tenant.name)
            .outerjoin(AppealDecision, AppealDecision.appeal_id == Appeal.id)
            .join(RatingRun, RatingRun.id == Appeal.run_id)
            .join(Tenant, Tenant.id == Appeal.tenant_id)
            .order_by(AppealDecision.id.is_not(None), Appeal.id.desc()).limit(limit))
    if status == "pending":
        stmt = stmt.where(AppealDecision.id.is_(None))
    elif status in ("upheld", "rejected"):
        stmt = stmt.where(AppealDecision.upheld.is_(status == "upheld"))
    return list(session.execute(stmt).tuples())


def appeals_of_run(session: Session, run: RatingRun) -> list[tuple[Appeal, AppealDecision | None]]:
    """Appeals the caller may see on a run, with their decisions: one query."""
    return list(session.execute(
        select(Appeal, AppealDecision).outerjoin(AppealDecision, AppealDecision.appeal_id == Appeal.id)
        .where(Appeal.run_id == run.id).order_by(Appeal.id)).tuples())


def pending_appeals(session: Session) -> list[tuple[Appeal, RatingRun]]:
    """Appeals the caller may see with no decision yet, oldest first, with their runs: one query.

    The bureau sees those on its runs (to decide), a company its own (waiting for the answer)."""
    return list(session.execute(
        select(Appeal, RatingRun).join(RatingRun, RatingRun.id == Appeal.run_id)
        .outerjoin(AppealDecision, AppealDecision.appeal_id == Appeal.id)
        .where(AppealDecision.id.is_(None)).order_by(Appeal.filed_at, Appeal.id)).tuples())
