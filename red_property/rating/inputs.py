"""Gather every company's rating inputs for a date: one set-based query per
input, never a query per company.

The inputs are the bureau's own records (inspections, branch opinions,
awards and deductions), the register (which company manages which community,
with floor area and households), and metrics derived from the companies' own
records, read through ``bureau_cross_tenant_read`` (audited, read-only) from
the sources each domain registers (``compliance.sources``) over the twelve
months up to the rating date.  A metric with no source, or with nothing to
measure in a community, is reported as missing: never as zero.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from fractions import Fraction

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session

from red_property.communities.models import Community, ManagementContract
from red_property.compliance.sources import SOURCES, Values, Window, measure
from red_property.rating.models import BranchOpinion, Inspection, RatingEvent
from red_property.rating.scoring import CommunityValues, CompanyInputs, Event, add_months


def company_record_metrics(session: Session, as_of: dt.date, reason: str,
                           company_ids: list[int] | None = None) -> dict[str, Values]:
    """Metrics from the companies' own records: {metric: {(company, community): value}}.

    Commits the caller's transaction and leaves the session in the bureau's
    scope again (objects loaded before must be loaded again).
    """
    from red_property.core.tenancy import bureau_cross_tenant_read

    with bureau_cross_tenant_read(session, reason=reason, only=company_ids) as reader:
        return measure(reader, Window.months_ending(as_of))


def gather_inputs(session: Session, as_of: dt.date, company_ids: list[int] | None = None,
                  records: dict[str, Values] | None = None) -> list[CompanyInputs]:
    """Inputs of every company managing at least one community on ``as_of``
    (or only of ``company_ids``: the same queries, filtered)."""
    def only(column):
        return column.in_(company_ids) if company_ids is not None else true()

    managed = session.execute(
        select(ManagementContract.company_tenant_id, Community.id, Community.floor_area, Community.household_count)
        .join(Community, and_(Community.id == ManagementContract.community_id,
                              Community.tenant_id == ManagementContract.tenant_id))
        .where(ManagementContract.starts_on <= as_of,
               or_(ManagementContract.ends_on.is_(None), ManagementContract.ends_on >= as_of),
               only(ManagementContract.company_tenant_id))
    ).all()
    since = add_months(as_of, -12)
    inspections = {
        (company, community): Fraction(str(score)) for company, community, score in session.execute(
            select(Inspection.company_tenant_id, Inspection.community_id, func.avg(Inspection.score))
            .where(Inspection.inspected_on > since, Inspection.inspected_on <= as_of,
                   Inspection.voided_at.is_(None), only(Inspection.company_tenant_id))
            .group_by(Inspection.company_tenant_id, Inspection.community_id))
    }
    opinions = {
        (company, community): Fraction(str(score)) for company, community, score in session.execute(
            select(BranchOpinion.company_tenant_id, BranchOpinion.community_id, BranchOpinion.score)
            .where(BranchOpinion.year == as_of.year, BranchOpinion.voided_at.is_(None),
                   only(BranchOpinion.company_tenant_id)))
    }
    events: dict[int, list[Event]] = defaultdict(list)
    for row in session.execute(select(RatingEvent.company_tenant_id, RatingEvent.kind, RatingEvent.occurred_on,
                                      RatingEvent.id, RatingEvent.authority, RatingEvent.rectified_on,
                                      RatingEvent.reference)
                               .where(RatingEvent.occurred_on <= as_of, RatingEvent.voided_at.is_(None),
                                      only(RatingEvent.company_tenant_id))):
        # the document number people know the record by, and its id for the link
        events[row.company_tenant_id].append(Event(row.kind, row.occurred_on, f"{row.reference} #{row.id}",
                                                   row.authority, row.rectified_on))
    communities: dict[int, list[CommunityValues]] = defaultdict(list)
    # each metric's values with what a managed community without one has (``value_for``, unrolled)
    measured = [(metric, values, SOURCES[metric].absent if metric in SOURCES else None)
                for metric, values in (records or {}).items()]
    overrides = record_overrides(session, as_of, only)
    for company, community, area, households in managed:
        pair = (company, community)
        values = {"inspection_score": inspections.get(pair), "branch_opinion": opinions.get(pair)}
        for metric, by_pair, absent in measured:
            values[metric] = by_pair.get(pair, absent)
        for metric, value in overrides.get(pair, ()):
            if metric in values:
                values[metric] = value
        communities[company].append(CommunityValues(community, Fraction(str(area or 0)), households or 0, values))
    return [CompanyInputs(company, tuple(sorted(items, key=lambda c: c.community_id)),
                          tuple(sorted(events.get(company, ()), key=lambda e: (e.on, e.ref))))
            for company, items in sorted(communities.items())]


def record_overrides(session: Session, as_of: dt.date, only=lambda column: true()
                     ) -> dict[tuple[int, int], list[tuple[str, Fraction | None]]]:
    """Company records excluded (None) or replaced by an upheld appeal, for runs rated as of
    ``as_of``: {(company, community): [(metric, value)]}, oldest decision first (one query)."""
    from red_property.rating.models import Appeal, AppealDecision

    out: dict[tuple[int, int], list[tuple[str, Fraction | None]]] = defaultdict(list)
    for company, community, metric, correction, value in session.execute(
            select(Appeal.tenant_id, AppealDecision.community_id, AppealDecision.metric,
                   AppealDecision.correction, AppealDecision.new_value)
            .join(Appeal, Appeal.id == AppealDecision.appeal_id)
            .where(AppealDecision.upheld.is_(True), AppealDecision.as_of == as_of,
                   AppealDecision.correction.in_(("exclude", "replace")), only(Appeal.tenant_id))
            .order_by(AppealDecision.id)):
        out[(company, community)].append(
            (metric, None if correction == "exclude" else Fraction(str(value))))
    return out


def digest(inputs: list[CompanyInputs], model_source: str, as_of: dt.date) -> str:
    """A fingerprint of everything a run depends on: same digest, same result."""
    def plain(value):
        return None if value is None else str(value)

    payload = {"as_of": as_of.isoformat(), "model": model_source, "companies": [
        {"id": c.company_id,
         "communities": [[v.community_id, plain(v.floor_area), v.households,
                          sorted((k, plain(x)) for k, x in v.values.items())] for v in c.communities],
         "events": [[e.kind, e.on.isoformat(), e.ref, e.authority, plain(e.rectified_on)] for e in c.events]}
        for c in inputs]}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
