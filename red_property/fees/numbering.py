"""Document numbers per tenant, series and year: 1, 2, 3 ... with no gap and no duplicate.

One counter row per (tenant, series, year).  ``reserve_numbers`` increments it
with ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, which holds the row lock until the caller's
transaction ends: a concurrent issuer waits, and a rolled-back transaction
takes its numbers back with it.  The caller must write the numbered documents
in the same transaction, so numbers and documents commit or vanish together.
"""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from red_property.core.tenancy import current_tenant_id
from red_property.fees.models import DocumentCounter, Series


def reserve_numbers(session: Session, series: Series, year: int, count: int) -> int:
    """Reserve ``count`` consecutive numbers; returns the first.  Does not commit."""
    if count < 1:
        raise ValueError("count must be positive")
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # One statement: the first document of a year creates its counter (a concurrent creator waits
    # on the unique index, then increments it); every later one increments the existing row.
    insert = dialect.insert(DocumentCounter).values(tenant_id=current_tenant_id(session), series=series, year=year,
                                                    last_number=count)
    last = session.execute(
        insert.on_conflict_do_update(index_elements=["tenant_id", "series", "year"],
                                     set_={"last_number": DocumentCounter.last_number + count})
        .returning(DocumentCounter.last_number)).scalar_one()
    return last - count + 1
