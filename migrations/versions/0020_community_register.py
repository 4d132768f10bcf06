"""community register: year built, and retiring a community without deleting it

Revision ID: 0020_community_register
Revises: 0019_company_directory
Create Date: 2026-12-02 00:40:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0020_community_register'
down_revision = '0019_company_directory'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.add_column(sa.Column('year_built', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('retired_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.drop_column('retired_on')
        batch_op.drop_column('year_built')
