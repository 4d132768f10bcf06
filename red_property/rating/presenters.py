"""Shape rating results for pages, the API and exports."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.core.formatting import measure
from red_property.core.i18n import N_
from red_property.rating.models import RatingResult, RatingRun
from red_property.tenants.models import Tenant


# A run computed and not published: the bureau has to check it and publish (or correct) it.
UNPUBLISHED = (RatingRun.status == "ready", RatingRun.published_at.is_(None))


def has_missing(row: dict) -> bool:
    """Whether a result row lacks data for any indicator (counted as missing, its weight re-spread)."""
    return any(i.get("missing") for i in (row.get("breakdown") or {}).get("indicators", []))


def latest_results_run(session: Session) -> RatingRun | None:
    """The newest run with results (ready or published): what the bureau reads about its companies' data."""
    return session.scalars(select(RatingRun).where(RatingRun.status.in_(("ready", "published")))
                           .order_by(RatingRun.id.desc()).limit(1)).first()


def metric_value(value: str | None, metric: str) -> str:
    """A stored breakdown value as people read it, by its metric's unit (a ratio in per cent, never 0.8257)."""
    from red_property.rating.metrics import METRICS

    known = METRICS.get(metric)
    return measure(value, known.unit if known else "score")


def result_rows(session: Session, run: RatingRun, company_id: int | None = None) -> list[dict]:
    """The run's visible results with company names (or one company's): one query."""
    stmt = (select(RatingResult, Tenant.name).join(Tenant, Tenant.id == RatingResult.company_tenant_id)
            .where(RatingResult.run_id == run.id)
            .order_by(RatingResult.rank.is_(None), RatingResult.rank, RatingResult.company_tenant_id))
    if company_id is not None:
        stmt = stmt.where(RatingResult.company_tenant_id == company_id)
    return [{"company_tenant_id": r.company_tenant_id, "company_name": name, "score": r.score, "grade": r.grade,
             "rank": r.rank, "breakdown": r.breakdown} for r, name in session.execute(stmt).all()]


def grade_distribution(rows: list[dict], grades: list[str]) -> list[tuple[str, int]]:
    counts = Counter(row["grade"] for row in rows)
    ordered = [(g, counts.pop(g, 0)) for g in grades]
    return ordered + sorted(counts.items())


def rank_band(rank: int | None, total: int | None) -> str:
    """Where a rank falls, without naming anyone else: 前10% / 前25% / 前50% / 后50%.

    The label is Chinese (the PDF report prints it as is); pages pass it through ``gettext``.
    """
    if not rank or not total:
        return "—"
    for share, label in ((0.10, N_("前 10%")), (0.25, N_("前 25%")), (0.50, N_("前 50%"))):
        if rank <= max(1, round(total * share)):
            return label
    return N_("后 50%")


def company_trend(session: Session, company_id: int) -> list[tuple[RatingRun, RatingResult]]:
    """A company's results in published runs, oldest first (corrections replace what they supersede)."""
    rows = session.execute(
        select(RatingRun, RatingResult).join(RatingResult, (RatingResult.run_id == RatingRun.id)
                                             & (RatingResult.tenant_id == RatingRun.tenant_id))
        .where(RatingRun.published_at.is_not(None), RatingResult.company_tenant_id == company_id)
        .order_by(RatingRun.as_of, RatingRun.id)).all()
    superseded = {run.supersedes_id for run, _ in rows if run.supersedes_id}
    return [(run, result) for run, result in rows if run.id not in superseded]
