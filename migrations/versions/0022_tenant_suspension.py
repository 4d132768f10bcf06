"""tenants: the platform operator suspends and reactivates a tenant (its data stays)

Revision ID: 0022_tenant_suspension
Revises: 0021_contract_selection
Create Date: 2026-12-02 01:10:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0022_tenant_suspension'
down_revision = '0021_contract_selection'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.drop_column('suspended_at')
