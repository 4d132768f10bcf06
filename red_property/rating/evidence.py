"""Drill-down: the records behind one indicator of one company's result.

The bureau's own inputs (inspections, branch opinions) are read in its own
scope.  Metrics from a company's records are listed by their source's
``evidence`` function: for the bureau inside ``bureau_cross_tenant_read``
(audited, read-only), for the company in its own scope.  The records are read
as they are now, over the run's window; the values are the run's, as stored.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.communities.models import Community
from red_property.compliance.sources import SOURCES, EvidenceRow, Window, load_sources
from red_property.core.tenancy import bureau_cross_tenant_read, current_tenant_id
from red_property.rating.models import BranchOpinion, Inspection, RatingRun
from red_property.rating.scoring import add_months


@dataclass(frozen=True)
class CommunityEvidence:
    community_id: int
    name: str
    value: str | None           # as stored in the run's breakdown
    records: list[EvidenceRow]


def _bureau_records(session: Session, metric: str, run: RatingRun, company_id: int,
                    community_ids: list[int]) -> dict[int, list[EvidenceRow]] | None:
    if metric == "inspection_score":
        rows = session.execute(select(Inspection).where(
            Inspection.company_tenant_id == company_id, Inspection.community_id.in_(community_ids),
            Inspection.inspected_on > add_months(run.as_of, -12), Inspection.inspected_on <= run.as_of,
            Inspection.voided_at.is_(None))
            .order_by(Inspection.inspected_on)).scalars()
        out: dict[int, list[EvidenceRow]] = {}
        for i in rows:
            out.setdefault(i.community_id, []).append(EvidenceRow(i.inspected_on, f"检查得分 {i.score}", i.note))
        return out
    if metric == "branch_opinion":
        rows = session.execute(select(BranchOpinion).where(
            BranchOpinion.company_tenant_id == company_id, BranchOpinion.community_id.in_(community_ids),
            BranchOpinion.year == run.as_of.year, BranchOpinion.voided_at.is_(None))).scalars()
        return {o.community_id: [EvidenceRow(None, f"{o.year} 年度评价 {o.score} 分", o.comment)] for o in rows}
    return None


def indicator_evidence(session: Session, run: RatingRun, breakdown: dict, company_id: int,
                       metric: str, *, is_bureau: bool) -> list[CommunityEvidence]:
    """Each community's stored value for ``metric`` and the records behind it."""
    load_sources()
    entry = next((i for i in breakdown.get("indicators", []) if i["metric"] == metric), None)
    if entry is None:
        return []
    values = {cid: value for cid, value in entry.get("communities", [])}
    names = dict(session.execute(select(Community.id, Community.name).where(Community.id.in_(values))).all())
    ids = sorted(values, key=lambda cid: (names.get(cid, ""), cid))
    records = _bureau_records(session, metric, run, company_id, ids)
    if records is None:
        records = {}
        source = SOURCES.get(metric)
        if source is not None and source.evidence is not None:
            window = Window.months_ending(run.as_of)

            def collect(reader: Session) -> None:
                for cid in ids:
                    records[cid] = source.evidence(reader, window, company_id, cid)

            if is_bureau:
                reason = f"信用评价第 {run.id} 号：查看企业 {company_id} 的“{entry['name']}”依据"
                with bureau_cross_tenant_read(session, reason=reason, only=[company_id]) as reader:
                    collect(reader)
            elif current_tenant_id(session) == company_id:
                collect(session)
    return [CommunityEvidence(cid, names.get(cid, f"#{cid}"), values[cid], records.get(cid, [])) for cid in ids]


@dataclass(frozen=True)
class EvidenceFilter:
    """The drill-down's filters: one community, records dated within a range, from one source (None: any)."""

    community_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    source: str | None = None

    def keeps(self, row: EvidenceRow) -> bool:
        if self.source is not None and row.source != self.source:
            return False
        if self.start is None and self.end is None:
            return True
        if row.on is None:       # an undated record (a yearly opinion) is not "in" a date range
            return False
        return (self.start is None or row.on >= self.start) and (self.end is None or row.on <= self.end)

    def apply(self, items: list[CommunityEvidence]) -> list[CommunityEvidence]:
        """The communities (and their records) the filter keeps; every community's value stays as stored."""
        return [replace(item, records=[r for r in item.records if self.keeps(r)]) for item in items
                if self.community_id is None or item.community_id == self.community_id]
