"""The schema owner's session, for the few changes the app role may not make.

On PostgreSQL the app role (``DATABASE_URL``) reads the tenant register but may
only create companies and committees and suspend or reactivate tenants
(``tenants.changes``).  Creating a housing bureau or the platform and renaming
a tenant are the schema owner's: the CLI (``red-property init``, ``tenants
apply``, the demo and benchmark generators) connects as ``MIGRATE_DATABASE_URL``
for those steps.  The web never does.

The owner is still filtered by row-level security (FORCE), so the same tenant
scopes apply as for the app role.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask import current_app
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from red_property.core.tenancy import fresh_session


@contextmanager
def owner_session() -> Iterator[Session]:
    """A fresh session as the schema owner (``MIGRATE_DATABASE_URL``) when one is configured,
    else a fresh session of the app's own connection (SQLite, or one role for everything)."""
    url = current_app.config.get("MIGRATE_DATABASE_URL")
    session = fresh_session()
    if not url or url == current_app.config["SQLALCHEMY_DATABASE_URI"]:
        try:
            yield session
        finally:
            session.close()
        return
    engine = create_engine(url, poolclass=NullPool)  # short-lived: no pool left behind
    session.bind = engine
    try:
        yield session
    finally:
        session.close()
        engine.dispose()
