"""promotion-gate step records

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ql_gate_record',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('replaces', sa.Integer(), nullable=True),
    sa.Column('happened_on', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['ql_person.id'], ),
    sa.ForeignKeyConstraint(['replaces'], ['ql_gate_record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ql_gate_record', schema=None) as batch_op:
        batch_op.create_index('ix_ql_gate_record_person', ['person_id', 'kind'], unique=False)
        batch_op.create_index('ix_ql_gate_record_replaces', ['replaces'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('ql_gate_record', schema=None) as batch_op:
        batch_op.drop_index('ix_ql_gate_record_replaces')
        batch_op.drop_index('ix_ql_gate_record_person')

    op.drop_table('ql_gate_record')
