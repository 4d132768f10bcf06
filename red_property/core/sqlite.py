"""SQLite, the embedded default of a first run: enforce foreign keys, wait on locks."""
from sqlalchemy import event

from red_property.core.natural import COLLATION, sqlite_collation


def configure(app, db) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        # rooms in natural order (core.natural): PostgreSQL has the same collation from a migration
        dbapi_conn.create_collation(COLLATION, sqlite_collation)
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        if app.config.get("SQLITE_UNDURABLE"):
            # A database being built that is thrown away if anything stops the build (the demo's):
            # no fsync and the journal in memory.
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA journal_mode=MEMORY")
        cur.close()
