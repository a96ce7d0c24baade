"""staff accounts, the hash-chained audit log and its head, learners' study codes

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-01 21:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ql_staff',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('os_user', sa.String(length=64), nullable=True),
    sa.Column('hub_user', sa.String(length=128), nullable=True),
    sa.Column('password_hash', sa.String(length=256), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('failed_tries', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('os_user'),
    sa.UniqueConstraint('hub_user')
    )
    op.create_table('ql_audit',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=False),
    sa.Column('object_id', sa.String(length=128), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('ql_audit', schema=None) as batch_op:
        batch_op.create_index('ix_ql_audit_actor', ['actor'], unique=False)
        batch_op.create_index('ix_ql_audit_action', ['action'], unique=False)
        batch_op.create_index('ix_ql_audit_object', ['object_type', 'object_id'], unique=False)
    head = op.create_table('ql_audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(head, [{'id': 1, 'seq': 0, 'hash': '0' * 64}])
    op.create_table('ql_study_code',
    sa.Column('person_id', sa.String(length=128), nullable=False),
    sa.Column('code_hash', sa.String(length=128), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('failed_tries', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['ql_person.id'], ),
    sa.PrimaryKeyConstraint('person_id')
    )


def downgrade() -> None:
    op.drop_table('ql_study_code')
    op.drop_table('ql_audit_head')
    with op.batch_alter_table('ql_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_ql_audit_object')
        batch_op.drop_index('ix_ql_audit_action')
        batch_op.drop_index('ix_ql_audit_actor')
    op.drop_table('ql_audit')
    op.drop_table('ql_staff')
