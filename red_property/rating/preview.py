"""What an edited model would change, before it is saved: the latest run's companies graded
under the model in force and under the edited one, on the same inputs.

The inputs are read again for the latest run's date (as the run read them), so a difference
between the two columns is the model's doing, never a record that changed since.
"""
from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.core.errors import InputError
from red_property.rating.inputs import company_record_metrics, gather_inputs
from red_property.rating.model import RatingModel
from red_property.rating.models import RatingRun
from red_property.rating.scoring import rate
from red_property.tenants.models import Tenant


@dataclass(frozen=True)
class GradeChange:
    company_id: int
    company_name: str
    before: str
    after: str
    score_before: object
    score_after: object


@dataclass(frozen=True)
class ModelPreview:
    run: RatingRun | None                       # whose date and companies were used; None: no run yet
    changes: list[GradeChange]
    counts: list[tuple[str, int, int]]          # (grade, companies before, after)
    companies: int


def preview_token(secret: str, bureau_id: int, base_version: int, source: str) -> str:
    """What a preview leaves for the save: a digest of the previewed text on top of the version in
    force, keyed with the app's secret so that only a preview can produce it (an API client cannot
    compute it and skip the preview; the editor page keeps it in the session).  Another save in
    between makes it stale."""
    message = f"rating-model-preview\n{bureau_id}\n{base_version}\n{source}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check_preview_token(secret: str, bureau_id: int, base_version: int, source: str, token: str) -> None:
    """Refuse (on ``preview_digest``) a save whose text was not previewed as it stands, on this version."""
    if not hmac.compare_digest(preview_token(secret, bureau_id, base_version, source), token or ""):
        raise InputError("preview_digest",
                         "没有这段文本的预览，或预览后文本已修改、模型已另存新版：请先预览（POST /api/v1/rating/models/preview）"
                         "看清哪些企业的等级会变化，再用返回的 preview_digest 保存")


def preview_model(session: Session, current: RatingModel, edited: RatingModel) -> ModelPreview:
    """Grade the latest run's companies under ``current`` and ``edited`` (the bureau's session;
    the companies' records are read through the audited cross-tenant path, as a run reads them)."""
    run = session.scalars(select(RatingRun).order_by(RatingRun.as_of.desc(), RatingRun.id.desc()).limit(1)).first()
    if run is None:
        return ModelPreview(None, [], [], 0)
    run_id, as_of = run.id, run.as_of
    records = company_record_metrics(session, as_of, reason=f"评价模型修改预览（按第 {run_id} 号评价的截止日期）")
    inputs = gather_inputs(session, as_of, records=records)
    before = {s.company_id: s for s in rate(current, inputs, as_of)}
    after = {s.company_id: s for s in rate(edited, inputs, as_of)}
    names = dict(session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(before))).tuples().all())
    changes = [GradeChange(c, names.get(c, str(c)), before[c].grade, after[c].grade, before[c].score, after[c].score)
               for c in sorted(before, key=lambda c: (names.get(c, ""), c)) if before[c].grade != after[c].grade]
    grades = _grade_order(current, edited)
    was, will = Counter(s.grade for s in before.values()), Counter(s.grade for s in after.values())
    counts = [(g, was[g], will[g]) for g in grades + sorted((set(was) | set(will)) - set(grades))]
    return ModelPreview(session.get(RatingRun, run_id), changes, counts, len(before))


def _grade_order(*models: RatingModel) -> list[str]:
    order: list[str] = []
    for model in models:
        for grade in [b.grade for b in model.bands] + [model.blacklist_grade, model.missing_records_grade]:
            if grade not in order:
                order.append(grade)
    return order
