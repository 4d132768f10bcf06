"""Fresh planner statistics after a bulk write (PostgreSQL).

PostgreSQL plans each query from what it last measured of a table (``pg_class.reltuples``
and ``pg_statistic``).  A table a job has just filled from empty still looks empty until
``ANALYZE`` runs: autovacuum gets to it a minute later at best, and never where autovacuum
is off.  Until then a join over it is planned as nested loops over "one row": on a freshly
built demo the fees overview took 9 s instead of 50 ms.  So whatever writes rows in bulk
(the demo, the register/directory/contract and household imports, a billing run) calls
:func:`refresh_statistics` once it has committed.

Only a table's owner may ``ANALYZE`` it, and the app role owns nothing; migration
``0034_planner_statistics`` gives it ``refresh_planner_statistics(text[])``, a
``SECURITY DEFINER`` function that analyzes the named tables of the public schema and
does nothing else.  SQLite plans without statistics unless asked: a no-op there.
"""
from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Text

# autovacuum's own rule for "changed enough to analyze again" (its defaults)
THRESHOLD_ROWS = 50
THRESHOLD_SHARE = 0.1

_KNOWN_ROWS = text("SELECT c.relname, c.reltuples FROM pg_class c "
                   "WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY(:names)"
                   ).bindparams(bindparam("names", type_=ARRAY(Text)))
_REFRESH = text("SELECT refresh_planner_statistics(:names)").bindparams(bindparam("names", type_=ARRAY(Text)))


def refresh_statistics(session: Session, *tables, written: int | None = None) -> list[str]:
    """Analyze ``tables`` (models or table names) after a committed bulk write; the names analyzed.

    With ``written`` (the rows just added), only a table that was never analyzed, or that
    grew by more than autovacuum's threshold since, is analyzed: a billing run of ten
    bills into a table of a million is not worth a scan.  Commits.
    """
    if session.get_bind().dialect.name != "postgresql" or written == 0:
        return []
    names = sorted({t if isinstance(t, str) else t.__tablename__ for t in tables})
    if written is not None:
        known = dict(session.execute(_KNOWN_ROWS, {"names": names}).all())
        # reltuples is -1 until the first ANALYZE (PostgreSQL 14+)
        names = [n for n in names if known.get(n, -1) < 0 or written > THRESHOLD_ROWS + THRESHOLD_SHARE * known[n]]
    if names:
        session.execute(_REFRESH, {"names": names})
    session.commit()
    return names
