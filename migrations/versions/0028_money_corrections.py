"""money corrections (issue 13, fees): payments reversed by a new row (红冲), a household's credit
balance as each payment's ``credit_fen``, the company's payee bank account

Revision ID: 0028_money_corrections
Revises: 0027_database_wall
Create Date: 2026-12-02 08:10:00

A payment may now carry no money for its bill (``amount_fen`` 0: all of it went to
credit) or negative amounts (a reversal), so the amount check becomes "something moved".

"""
from alembic import op
import sqlalchemy as sa

from red_property.core import rls

revision = '0028_money_corrections'
down_revision = '0027_database_wall'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fee_payee_account',
    sa.Column('account_name', sa.String(length=100), nullable=False),
    sa.Column('bank_name', sa.String(length=100), nullable=False),
    sa.Column('account_number', sa.String(length=34), nullable=False),
    sa.Column('contact_phone', sa.String(length=30), nullable=True),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_fee_payee_account_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_payee_account')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_fee_payee_account_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_fee_payee_account_tenant_id'))
    )
    with op.batch_alter_table('fee_payee_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_payee_account_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('fee_payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_fen', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('reverses_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_fee_payment_tenant_id_reverses_id'), ['tenant_id', 'reverses_id'])
        batch_op.create_foreign_key(batch_op.f('fk_fee_payment_tenant_id_reverses_id_fee_payment'), 'fee_payment', ['tenant_id', 'reverses_id'], ['tenant_id', 'id'])
        batch_op.drop_constraint(batch_op.f('ck_fee_payment_amount'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_fee_payment_amount'), 'amount_fen <> 0 OR credit_fen <> 0')
        batch_op.create_check_constraint(batch_op.f('ck_fee_payment_reversal_reason'),
                                         'reverses_id IS NULL OR reason IS NOT NULL')

    # the company's own row: RLS and grants as every fee table (0014)
    rls.tenant_table('fee_payee_account')



def downgrade():
    # Refused while reversals or credit exist: the old check cannot hold them.
    with op.batch_alter_table('fee_payment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_fee_payment_reversal_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_fee_payment_amount'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_fee_payment_amount'), 'amount_fen > 0')
        batch_op.drop_constraint(batch_op.f('fk_fee_payment_tenant_id_reverses_id_fee_payment'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_fee_payment_tenant_id_reverses_id'), type_='unique')
        batch_op.drop_column('reason')
        batch_op.drop_column('reverses_id')
        batch_op.drop_column('credit_fen')

    rls.drop_tenant_table_policies('fee_payee_account')
    with op.batch_alter_table('fee_payee_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_payee_account_tenant_id'))

    op.drop_table('fee_payee_account')
