"""the natural_sort collation (issue 13): rooms and addresses in natural order (101 before 1001)

PostgreSQL only: an ICU collation comparing runs of digits as numbers.  SQLite gets a
collation of the same name on every connection (red_property.core.sqlite).

Revision ID: 0032_finding
Revises: 0030_notifications
Create Date: 2026-12-02 08:00:00

"""
from alembic import op

revision = '0032_finding'
down_revision = '0030_notifications'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE COLLATION IF NOT EXISTS natural_sort (provider = icu, locale = 'und-u-kn-true')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP COLLATION IF EXISTS natural_sort")
