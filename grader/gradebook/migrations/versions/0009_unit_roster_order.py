"""units keep the roster's order: ql_unit.position (where a unit was first seen in an import), so
lists show the hierarchy as the organisation department wrote it. Units imported before this
migration share position 0 and follow each other by name.

Revision ID: 0009_units
Revises: 0008
Create Date: 2026-12-01 21:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_units'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ql_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('ql_unit', schema=None) as batch_op:
        batch_op.drop_column('position')
