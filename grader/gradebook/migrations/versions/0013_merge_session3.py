"""merge the sitting (0009), unit order (0009_units), certificate flags (0010), promotion cases (0011)
and staff/audit (0012) branches

Revision ID: 0013
Revises: 0009, 0009_units, 0010, 0011, 0012
Create Date: 2026-12-01 22:20:00
"""

revision = '0013'
down_revision = ('0009', '0009_units', '0010', '0011', '0012')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
