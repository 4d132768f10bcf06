"""PostgreSQL row-level security, the second wall under the ORM filter.

Migrations call these helpers for every tenant-owned table (a test checks that
none was forgotten).  The app connects as ``red_property_app``, which owns
nothing and has no BYPASSRLS; tables also get FORCE ROW LEVEL SECURITY so that
even their owner is filtered.  The current tenant comes from the
transaction-local setting ``app.current_tenant`` (see core.tenancy).

Keep these functions backward compatible: old migrations call them.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from alembic import op

APP_ROLE = "red_property_app"
READER_ROLE = "red_property_bureau_reader"
PUBLIC_ROLE = "red_property_public_reader"
CURRENT = "app_current_tenant()"
# The product's today (core.clock's day in the users' zone), handed over per transaction by core.tenancy.
TODAY = "app_current_day()"
IDENTITY_KEY = "NULLIF(current_setting('app.identity_key', true), '')"


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _after_database_wall() -> bool:
    """Whether migration 0027 (cross-read tickets, keyed identity lookups) has run."""
    return op.get_bind().exec_driver_sql(
        "SELECT to_regprocedure('public.cross_read_allowed()') IS NOT NULL").scalar()


@contextmanager
def unforced(*tables: str) -> Iterator[None]:
    """Let a migration, run by the tables' owner, read and fill every tenant's rows of ``tables``;
    FORCE ROW LEVEL SECURITY again after (the same transaction: a failure undoes both)."""
    if _pg():
        for table in tables:
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    yield
    if _pg():
        for table in tables:
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def create_roles_and_functions() -> None:
    """The app role, the bureau's read-only role, and ``app_current_tenant()``."""
    if not _pg():
        return
    op.execute(f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            CREATE ROLE {APP_ROLE} LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
          END IF;
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{READER_ROLE}') THEN
            CREATE ROLE {READER_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
          END IF;
        END $$;""")
    # NOINHERIT: the app role gets the reader's rights only after SET LOCAL ROLE.
    op.execute(f"GRANT {READER_ROLE} TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}, {READER_ROLE}")
    # NULLIF: on a pooled connection the unset setting reads as '' rather than NULL.
    op.execute("""
        CREATE OR REPLACE FUNCTION app_current_tenant() RETURNS bigint
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $$ SELECT NULLIF(current_setting('app.current_tenant', true), '')::bigint $$""")
    op.execute(f"GRANT EXECUTE ON FUNCTION app_current_tenant() TO {APP_ROLE}, {READER_ROLE}")


def grant_global(table: str, *, app: str = "SELECT, INSERT, UPDATE") -> None:
    """A table shared by all tenants (the tenant register)."""
    if not _pg():
        return
    op.execute(f"GRANT {app} ON {table} TO {APP_ROLE}")
    op.execute(f"GRANT SELECT ON {table} TO {READER_ROLE}")
    _grant_sequence(table)


def tenant_table(table: str, *, read: str | None = None, identity: bool = False) -> None:
    """Enable and force RLS on a tenant-owned table.

    ``read`` widens what a tenant may read (a SQL condition); writes are always
    limited to the tenant's own rows.  ``identity`` tables (users, tokens) may
    also be read during a login lookup, and are hidden from the bureau reader.
    After ``0027_database_wall`` an identity table needs a ``secret_hash`` column:
    a lookup reads the row of one digest (``app.identity_key``), and the bureau
    reader's rows need a cross-read ticket in the transaction.
    """
    if not _pg():
        return
    walled = _after_database_wall()
    own = f"tenant_id = {CURRENT}"
    visible = f"({own}) OR ({read})" if read else own
    if identity and walled:
        visible = f"({visible}) OR secret_hash = {IDENTITY_KEY}"
    elif identity:
        visible = f"({visible}) OR current_setting('app.identity_lookup', true) = 'on'"
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_read ON {table} FOR SELECT USING ({visible})")
    op.execute(f"CREATE POLICY tenant_insert ON {table} FOR INSERT WITH CHECK ({own})")
    op.execute(f"CREATE POLICY tenant_update ON {table} FOR UPDATE USING ({own}) WITH CHECK ({own})")
    op.execute(f"CREATE POLICY tenant_delete ON {table} FOR DELETE USING ({own})")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
    if not identity:
        ticket = "(SELECT public.cross_read_allowed())" if walled else "true"
        op.execute(f"CREATE POLICY bureau_read ON {table} FOR SELECT TO {READER_ROLE} USING ({ticket})")
        op.execute(f"GRANT SELECT ON {table} TO {READER_ROLE}")
    _grant_sequence(table)


def create_current_day_function() -> None:
    """``app_current_day()``: the day the app's clock says (``app.current_day``), NULL when unset.

    Never PostgreSQL's ``now()``/``current_date``: those are UTC (or the server's zone), while a
    contract starts on a day in Beijing, and tests move the app's clock."""
    if not _pg():
        return
    op.execute("""
        CREATE OR REPLACE FUNCTION app_current_day() RETURNS date
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $$ SELECT NULLIF(current_setting('app.current_day', true), '')::date $$""")
    op.execute(f"GRANT EXECUTE ON FUNCTION app_current_day() TO {APP_ROLE}, {READER_ROLE}")


def replace_read_policy(table: str, read: str | None) -> None:
    """Give a tenant table's ``tenant_read`` policy a new widening condition (see ``tenant_table``)."""
    if not _pg():
        return
    own = f"tenant_id = {CURRENT}"
    op.execute(f"DROP POLICY IF EXISTS tenant_read ON {table}")
    op.execute(f"CREATE POLICY tenant_read ON {table} FOR SELECT USING (({own}) OR ({read}))" if read else
               f"CREATE POLICY tenant_read ON {table} FOR SELECT USING ({own})")


def drop_tenant_table_policies(table: str) -> None:
    if not _pg():
        return
    for name in ("tenant_read", "tenant_insert", "tenant_update", "tenant_delete", "bureau_read", "public_read"):
        op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")


def create_public_role() -> None:
    """The SELECT-only role of ``tenancy.public_read``: it reads published rows and nothing else."""
    if not _pg():
        return
    op.execute(f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PUBLIC_ROLE}') THEN
            CREATE ROLE {PUBLIC_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
          END IF;
        END $$;""")
    op.execute(f"GRANT {PUBLIC_ROLE} TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {PUBLIC_ROLE}")
    op.execute(f"GRANT EXECUTE ON FUNCTION app_current_tenant() TO {PUBLIC_ROLE}")
    op.execute(f"GRANT SELECT ON tenant TO {PUBLIC_ROLE}")  # tenants' names are public


def public_table(table: str, using: str, columns: list[str] | None = None) -> None:
    """Let the public role read the rows of ``table`` that ``using`` admits
    (the SQL twin of the model's ``public_criteria``), optionally only ``columns``.

    New migrations pass ``columns`` (the model's ``__public_columns__``): a
    table-wide grant would also publish every column added later."""
    if not _pg():
        return
    op.execute(f"DROP POLICY IF EXISTS public_read ON {table}")
    op.execute(f"CREATE POLICY public_read ON {table} FOR SELECT TO {PUBLIC_ROLE} USING ({using})")
    what = f"SELECT ({', '.join(columns)})" if columns else "SELECT"
    op.execute(f"GRANT {what} ON {table} TO {PUBLIC_ROLE}")


def public_columns(table: str, columns: list[str]) -> None:
    """The public role reads exactly ``columns`` of ``table``: column privileges, never a
    table-wide SELECT, so that a column added later stays private until granted."""
    if not _pg():
        return
    # Revoking the table-wide SELECT also revokes every column's.
    op.execute(f"REVOKE SELECT ON {table} FROM {PUBLIC_ROLE}")
    op.execute(f"GRANT SELECT ({', '.join(columns)}) ON {table} TO {PUBLIC_ROLE}")


def _grant_sequence(table: str) -> None:
    op.execute(f"""
        DO $$ DECLARE seq text := pg_get_serial_sequence('{table}', 'id');
        BEGIN IF seq IS NOT NULL THEN EXECUTE format('GRANT USAGE ON SEQUENCE %s TO {APP_ROLE}', seq); END IF; END $$""")


def drop_public_policy(table: str) -> None:
    if not _pg():
        return
    op.execute(f"DROP POLICY IF EXISTS public_read ON {table}")
    op.execute(f"REVOKE ALL ON {table} FROM {PUBLIC_ROLE}")
