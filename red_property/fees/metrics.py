"""Metrics from fee records (see ``compliance.sources``)."""
from __future__ import annotations

from fractions import Fraction

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from red_property.compliance.sources import Values, Window, managed_during, source
from red_property.fees.models import Bill, Payment


@source("fee_collection_rate", absent=None)
def fee_collection_rate(session: Session, window: Window) -> Values:
    """Fen paid by the window's end / fen billed, over bills falling due in the window.

    Counted for the company that billed, in communities it managed during the
    window.  A community without bills due has nothing to measure: missing.
    """
    paid = (select(Payment.tenant_id, Payment.bill_id, func.sum(Payment.amount_fen).label("paid"))
            .where(Payment.paid_on <= window.end).group_by(Payment.tenant_id, Payment.bill_id).subquery())
    managed = managed_during(window).subquery()
    rows = session.execute(
        select(Bill.tenant_id, Bill.community_id, func.sum(Bill.amount_fen), func.coalesce(func.sum(paid.c.paid), 0))
        .join(managed, and_(managed.c.company_id == Bill.tenant_id, managed.c.community_id == Bill.community_id))
        .outerjoin(paid, and_(paid.c.bill_id == Bill.id, paid.c.tenant_id == Bill.tenant_id))
        .where(Bill.due_on >= window.start, Bill.due_on <= window.end)
        .group_by(Bill.tenant_id, Bill.community_id)).all()
    return {(tenant, community): Fraction(int(paid_fen), int(billed)) for tenant, community, billed, paid_fen in rows
            if billed}
