"""the app role may only read the tenant register (issue 12, item 8)

A tenant's kind decides what it may read (a bureau reads every company's records):
anything that could run SQL as the app could ``update tenant set kind='bureau'``.
Tenants are written by the operator's commands as the schema owner
(``red_property/tenants/register.py``); the app role keeps SELECT.

Revision ID: 0022_tenant_register_read_only
Revises: 0021_browser_sessions
Create Date: 2026-12-02 01:00:00

"""
from alembic import op

from red_property.core import rls

revision = '0022_tenant_register_read_only'
down_revision = '0021_browser_sessions'
branch_labels = None
depends_on = None

SEQUENCE = "pg_get_serial_sequence('tenant', 'id')"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON tenant FROM {rls.APP_ROLE}")
    op.execute(f"""DO $$ BEGIN EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM {rls.APP_ROLE}', {SEQUENCE}); END $$""")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"GRANT INSERT, UPDATE ON tenant TO {rls.APP_ROLE}")
    op.execute(f"""DO $$ BEGIN EXECUTE format('GRANT USAGE ON SEQUENCE %s TO {rls.APP_ROLE}', {SEQUENCE}); END $$""")
