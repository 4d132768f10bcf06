"""Shape rating results for pages, the API and exports."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.rating.models import RatingResult, RatingRun
from red_property.tenants.models import Tenant


def result_rows(session: Session, run: RatingRun) -> list[dict]:
    """The run's visible results with company names: two queries."""
    rows = session.execute(
        select(RatingResult, Tenant.name).join(Tenant, Tenant.id == RatingResult.company_tenant_id)
        .where(RatingResult.run_id == run.id)
        .order_by(RatingResult.rank.is_(None), RatingResult.rank, RatingResult.company_tenant_id)).all()
    return [{"company_tenant_id": r.company_tenant_id, "company_name": name, "score": r.score, "grade": r.grade,
             "rank": r.rank, "breakdown": r.breakdown} for r, name in rows]


def grade_distribution(rows: list[dict], grades: list[str]) -> list[tuple[str, int]]:
    counts = Counter(row["grade"] for row in rows)
    ordered = [(g, counts.pop(g, 0)) for g in grades]
    return ordered + sorted(counts.items())
