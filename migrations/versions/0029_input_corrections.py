"""the bureau corrects or voids its own rating inputs with a reason; an upheld appeal records
the correction it made (a bureau record, or a company record's value excluded or replaced)

Columns only: the tables keep their policies and the app role's table-wide grants.

Revision ID: 0029_input_corrections
Revises: 0028_money_corrections
Create Date: 2026-12-02 08:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0029_input_corrections'
down_revision = '0028_money_corrections'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
INPUTS = ('rating_event', 'rating_inspection', 'rating_branch_opinion')


def _decision_columns():
    return (
        sa.Column('correction', sa.String(length=16), nullable=True),
        sa.Column('record_kind', sa.String(length=16), nullable=True),
        sa.Column('record_id', ID, nullable=True),
        sa.Column('metric', sa.String(length=40), nullable=True),
        sa.Column('community_id', ID, nullable=True),
        sa.Column('new_value', sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column('as_of', sa.Date(), nullable=True),
    )


def upgrade():
    for table in INPUTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('correction_reason', sa.String(length=500), nullable=True))
            batch_op.add_column(sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('void_reason', sa.String(length=500), nullable=True))
    with op.batch_alter_table('rating_appeal_decision', schema=None) as batch_op:
        for column in _decision_columns():
            batch_op.add_column(column)


def downgrade():
    with op.batch_alter_table('rating_appeal_decision', schema=None) as batch_op:
        for column in reversed(_decision_columns()):
            batch_op.drop_column(column.name)
    for table in INPUTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('void_reason')
            batch_op.drop_column('voided_at')
            batch_op.drop_column('correction_reason')
