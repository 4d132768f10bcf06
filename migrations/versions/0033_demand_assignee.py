"""a demand may be assigned to a colleague (a user of the same company), beside the free-text handler

Columns only: the demand table keeps its policies and the app role's table-wide grants (a new
column is covered by them).  The foreign key includes the tenant, so an assignee of another
company cannot be stored even by a query that skips the app.

Revision ID: 0033_demand_assignee
Revises: 0032_finding
Create Date: 2026-12-03 08:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0033_demand_assignee'
down_revision = '0032_finding'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _without_fk_checks(fn):
    """SQLite adds a foreign key by rebuilding the table (batch mode); the demand's history and
    mediations point at it with ON DELETE CASCADE, so the rebuild must not enforce keys (as 0024)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA foreign_keys=OFF")
    try:
        fn()
    finally:
        if sqlite:
            op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    _without_fk_checks(_add_assignee)


def downgrade():
    _without_fk_checks(_drop_assignee)


def _add_assignee():
    with op.batch_alter_table('demand', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee_id', ID, nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_demand_tenant_id_assignee_id_user_account'), 'user_account',
                                    ['tenant_id', 'assignee_id'], ['tenant_id', 'id'])
        batch_op.create_index('ix_demand_tenant_assignee', ['tenant_id', 'assignee_id'], unique=False)


def _drop_assignee():
    with op.batch_alter_table('demand', schema=None) as batch_op:
        batch_op.drop_index('ix_demand_tenant_assignee')
        batch_op.drop_constraint(batch_op.f('fk_demand_tenant_id_assignee_id_user_account'), type_='foreignkey')
        batch_op.drop_column('assignee_id')
