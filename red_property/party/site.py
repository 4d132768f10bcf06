"""The "七有" branch site checklist: each item's status and the photos or documents showing it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from red_property.core.errors import InputError
from red_property.core.files import StoredFile, store_file
from red_property.party.models import PartyOrganisation, SiteCheck, SiteEvidence, SiteItem, SiteStatus
from red_property.party.rules import BRANCH_LEVELS


@dataclass
class ChecklistRow:
    item: SiteItem
    check: SiteCheck | None = None
    evidence: list[tuple[SiteEvidence, StoredFile]] = field(default_factory=list)


def record_site_check(session: Session, organisation: PartyOrganisation, *, item: SiteItem, status: SiteStatus,
                      checked_on: dt.date, note: str | None = None, upload: tuple[str, bytes] | None = None,
                      caption: str | None = None, today: dt.date) -> SiteCheck:
    """Set a 七有 item's status as checked on a day, and keep a photo or document with it when given."""
    if organisation.level not in BRANCH_LEVELS:
        raise InputError("organisation_id", "“七有”阵地按小区党支部或联合党支部登记")
    if checked_on > today:
        raise InputError("checked_on", "检查日期不能晚于今天")
    check = session.scalar(select(SiteCheck).where(SiteCheck.organisation_id == organisation.id,
                                                   SiteCheck.item == item))
    if check is None:
        check = SiteCheck(organisation_id=organisation.id, item=item)
        session.add(check)
    check.status, check.checked_on, check.note = status, checked_on, (note or "").strip()[:200] or None
    if upload is not None:
        stored = store_file(session, purpose="site_evidence", filename=upload[0], data=upload[1], field="file")
        session.flush()
        session.add(SiteEvidence(check_id=check.id, file_id=stored.id, caption=(caption or "").strip()[:100] or None))
    session.commit()
    return check


def site_checklist(session: Session, organisation: PartyOrganisation) -> list[ChecklistRow]:
    """All seven items in order, with their status and evidence: two queries."""
    rows = {item: ChecklistRow(item) for item in SiteItem}
    checks = session.scalars(select(SiteCheck).where(SiteCheck.organisation_id == organisation.id)).all()
    by_id = {}
    for check in checks:
        rows[check.item].check = check
        by_id[check.id] = check.item
    if by_id:
        for evidence, stored in session.execute(
                select(SiteEvidence, StoredFile)
                .join(StoredFile, and_(StoredFile.id == SiteEvidence.file_id,
                                       StoredFile.tenant_id == SiteEvidence.tenant_id))
                .where(SiteEvidence.check_id.in_(list(by_id))).order_by(SiteEvidence.id)):
            rows[by_id[evidence.check_id]].evidence.append((evidence, stored))
    return list(rows.values())


def add_site_evidence(session: Session, organisation: PartyOrganisation, *, item: SiteItem, filename: str,
                      data: bytes, caption: str | None = None, today: dt.date) -> SiteCheck:
    """Keep a photo or document for a 七有 item; an item not yet checked is recorded as in place today."""
    check = session.scalar(select(SiteCheck).where(SiteCheck.organisation_id == organisation.id,
                                                   SiteCheck.item == item))
    return record_site_check(session, organisation, item=item,
                             status=check.status if check else SiteStatus.IN_PLACE,
                             checked_on=check.checked_on if check else today, note=check.note if check else None,
                             upload=(filename, data), caption=caption, today=today)
