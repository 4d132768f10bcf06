"""a rating result keeps its blacklist flag in a column, beside the breakdown that explains it

Re-rating one company regrades everyone from their stored score and blacklist flag.  The flag
was read out of each breakdown (``breakdown->>'blacklisted'``), which makes PostgreSQL parse
every company's JSON document (about 3 kB each) to find one boolean: 42 ms for a city's two
runs, the largest part of the re-rate's reading at province scale.  The column is filled
from the breakdowns already stored.

Revision ID: 0036_result_blacklisted
Revises: 0035_policy_initplans
Create Date: 2026-12-04 16:45:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0036_result_blacklisted'
down_revision = '0035_policy_initplans'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rating_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blacklisted', sa.Boolean(), server_default=sa.false(), nullable=False))
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:  # the owner fills every tenant's rows: row-level security is forced on it too
        op.execute("ALTER TABLE rating_result NO FORCE ROW LEVEL SECURITY")
        op.execute("UPDATE rating_result SET blacklisted = true WHERE (breakdown->>'blacklisted')::boolean")
        op.execute("ALTER TABLE rating_result FORCE ROW LEVEL SECURITY")
    else:
        op.execute("UPDATE rating_result SET blacklisted = 1 WHERE json_extract(breakdown, '$.blacklisted') = 1")


def downgrade():
    with op.batch_alter_table('rating_result', schema=None) as batch_op:
        batch_op.drop_column('blacklisted')
