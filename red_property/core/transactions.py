"""How a session's last transaction ends: one that only read commits, any other rolls back.

psycopg forgets every statement it prepared on a connection at each ROLLBACK (the rollback
might have undone the schema they were planned for), and prepares a statement only at its
fifth execution on a connection.  Requests used to end their transaction with the
rollback of ``Session.close()``, reads included, so no statement of the app ever reached
its fifth execution: PostgreSQL planned each one again on every request (0.25 ms for the
token lookup, 0.32 ms for the register's page, more for the dashboard's indicators),
while a transaction that commits keeps them.  Ending a transaction that only read with
COMMIT changes nothing in the database, and only the end of such a one changes here.

"Only read" is decided without guessing: a transaction reads only if every statement on
its connection was a compiled SELECT (ORM or Core; no ``text()``, which may call a
function that writes), a ``set_config`` of the tenant's settings, or a ``SET`` of the
transaction's own role and mode, and the session holds nothing unflushed and noted no
write (``core.generations``).  Anything else, an error included, still rolls back.
"""
from __future__ import annotations

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, scoped_session

WROTE = "rp_transaction_may_write"
_SETTINGS = ("SELECT set_config(", "SET LOCAL ", "SET TRANSACTION ")


@event.listens_for(Engine, "begin")
def _forget(connection) -> None:
    connection.info.pop(WROTE, None)


@event.listens_for(Engine, "before_cursor_execute")
def _note(connection, cursor, statement, parameters, context, executemany) -> None:
    if WROTE not in connection.info and not _reads_only(context, statement):
        connection.info[WROTE] = True


def _reads_only(context, statement: str) -> bool:
    compiled = getattr(context, "compiled", None)
    if compiled is not None:
        return not (context.is_crud or context.is_text or context.isddl) and compiled.statement.is_select
    return statement.startswith(_SETTINGS)


def only_read(session: Session) -> bool:
    """Whether the session's transaction has read and nothing else, so that COMMIT and
    ROLLBACK would leave the database the same."""
    from red_property.core.generations import WRITTEN

    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return False
    if session.info.get(WRITTEN):
        return False
    return WROTE not in session.connection().info  # the app's one engine: the transaction's connection


def end_transaction(session: Session) -> None:
    """Commit the session's transaction if it only read (the connection keeps its prepared
    statements), keeping what it loaded for the caller; leave any other to ``close()``'s rollback."""
    if only_read(session):
        commit_keeping_loaded(session)


def real_session(session) -> Session:
    """The Session behind Flask-SQLAlchemy's scoped proxy."""
    return session() if isinstance(session, scoped_session) else session


def commit_keeping_loaded(session: Session) -> None:
    """Commit without expiring what the session holds: for a write that answers with the rows it
    just wrote (reading them back after the commit cost a transaction, the tenant's settings and a
    SELECT, per request), and for reads whose objects are used after their session closes.  Only
    at the end: later reads in the session would see these values, not other transactions' changes."""
    real = real_session(session)
    previous, real.expire_on_commit = real.expire_on_commit, False
    try:
        real.commit()
    finally:
        real.expire_on_commit = previous
