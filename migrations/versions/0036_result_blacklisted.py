"""a rating result keeps its blacklist flag in a column, beside the breakdown that explains it

Re-rating one company regrades everyone from their stored score and blacklist flag.  The flag
was read out of each breakdown (``breakdown->>'blacklisted'``), which makes PostgreSQL parse
every company's JSON document (2.4-2.8 kB each) to find one boolean: 42 ms for a city's 1,992
results; re-rating one company of the province took 370-537 ms before, 229-353 ms after.  The column is filled
from the breakdowns already stored.

Revision ID: 0036_result_blacklisted
Revises: 0035_policy_initplans
Create Date: 2026-12-04 16:45:00

"""
from alembic import op
import sqlalchemy as sa

from red_property.core import rls

revision = '0036_result_blacklisted'
down_revision = '0035_policy_initplans'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rating_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blacklisted', sa.Boolean(), server_default=sa.false(), nullable=False))
    with rls.unforced('rating_result'):
        if op.get_bind().dialect.name == "postgresql":
            op.execute("UPDATE rating_result SET blacklisted = true WHERE (breakdown->>'blacklisted')::boolean")
        else:
            op.execute("UPDATE rating_result SET blacklisted = 1 WHERE json_extract(breakdown, '$.blacklisted') = 1")


def downgrade():
    with op.batch_alter_table('rating_result', schema=None) as batch_op:
        batch_op.drop_column('blacklisted')
