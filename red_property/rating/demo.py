"""Demo rating data: two years of inspections and branch opinions, awards and
deductions, a published rating for last year and the first half of this year,
and a draft for this year (so both the league table and the trends show)."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from red_property.communities.models import ManagementContract
from red_property.core.tenancy import tenant_scope
from red_property.rating.models import BranchOpinion, Inspection, RatingEvent, RatingRun
from red_property.rating.runs import publish_run, start_run
from red_property.tenants.models import Tenant, TenantKind

# How good each demo company is (its scores centre here), by slug.
QUALITY = {"company-1": 90, "company-2": 78, "company-3": 84, "company-4": 68, "company-5": 74, "company-6": 58}
EVENTS = [("company-1", "model_site_city", 5, None), ("company-3", "award", 8, None),
          ("company-4", "upheld_complaint", 2, None), ("company-4", "upheld_complaint", 4, None),
          ("company-5", "failed_inspection", 7, None), ("company-6", "penalty", 14, None),
          ("company-2", "penalty", 20, 9)]  # (slug, kind, months ago, rectified months ago)


def _months_ago(today: dt.date, months: int) -> dt.date:
    from red_property.rating.scoring import add_months

    return add_months(today, -months)


def add_demo_records(session, rng: random.Random, tenants: dict[str, Tenant], today: dt.date) -> None:
    bureau = tenants["city-bureau"]
    by_id = {t.id: t for t in tenants.values() if t.kind == TenantKind.COMPANY}
    with tenant_scope(session, bureau.id) as s:
        contracts = s.execute(select(ManagementContract.company_tenant_id, ManagementContract.community_id)
                              .where(ManagementContract.ends_on.is_(None) | (ManagementContract.ends_on >= today))).all()
        for company_id, community_id in contracts:
            centre = QUALITY.get(by_id[company_id].slug, 75)
            for months in (3, 9, 15, 21):
                s.add(Inspection(company_tenant_id=company_id, community_id=community_id,
                                 inspected_on=_months_ago(today, months),
                                 score=Decimal(min(100, max(40, rng.gauss(centre, 6)))).quantize(Decimal("0.1"))))
            for year in (today.year - 1, today.year):
                s.add(BranchOpinion(company_tenant_id=company_id, community_id=community_id, year=year,
                                    score=Decimal(min(100, max(30, rng.gauss(centre + 2, 8)))).quantize(Decimal("1")),
                                    comment="党支部年度评价"))
        for slug, kind, months, rectified in EVENTS:
            s.add(RatingEvent(company_tenant_id=tenants[slug].id, kind=kind, occurred_on=_months_ago(today, months),
                              rectified_on=_months_ago(today, rectified) if rectified else None,
                              reference=f"锦建〔{_months_ago(today, months).year}〕{rng.randint(10, 99)}号"))
        s.commit()
        inline, current_app.config["JOBS_INLINE"] = current_app.config.get("JOBS_INLINE"), True
        try:
            for period, as_of, publish in ((str(today.year - 1), dt.date(today.year - 1, 12, 31), True),
                                           (f"{today.year}-H1", dt.date(today.year, 6, 30), True),
                                           (str(today.year), today, False)):
                run_id = start_run(s, period=period, as_of=as_of).id
                if publish:
                    publish_run(s, s.get(RatingRun, run_id))
        finally:
            current_app.config["JOBS_INLINE"] = inline
