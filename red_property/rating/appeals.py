"""Appeals: a company objects within the window; the bureau upholds or rejects.

An upheld appeal starts a correction run (a new version of the rating) after
the bureau has fixed the input in question; the published run stays as it was.
"""
from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.core import clock
from red_property.core.errors import InputError, add_unique
from red_property.core.exports import tenant_dir
from red_property.core.files import check_upload, original_name
from red_property.core.tenancy import current_actor_id, current_tenant_id
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


def decide_appeal(session: Session, appeal: Appeal, *, upheld: bool, reason: str) -> AppealDecision:
    """The bureau's decision; upholding starts a correction run of the appealed rating."""
    if not reason or len(reason.strip()) < 2:
        raise InputError("reason", "请写明处理理由")
    if session.scalar(select(AppealDecision.id).where(AppealDecision.appeal_id == appeal.id)) is not None:
        raise InputError("appeal_id", "该申诉已处理")
    run = session.get(RatingRun, appeal.run_id)
    decision = AppealDecision(appeal_id=appeal.id, upheld=upheld, reason=reason.strip(),
                              decided_by=current_actor_id(session))
    session.add(decision)
    session.flush()
    if upheld:
        correction = correct_run(session, run, f"申诉 #{appeal.id} 成立：{reason.strip()}")
        decision.correction_run_id = correction.id
    session.commit()
    return decision


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
