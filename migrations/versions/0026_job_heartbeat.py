"""jobs write a heartbeat while they run: a job is shown failed within a minute of its death, never while it lives

Revision ID: 0026_job_heartbeat
Revises: 0025_column_grants
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0026_job_heartbeat'
down_revision = '0025_column_grants'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('job_record', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
