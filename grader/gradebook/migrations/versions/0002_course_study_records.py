"""course study records

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 22:09:09.486511
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ql_study_attempt',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('learner_id', sa.String(length=128), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.String(length=128), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ql_study_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_ql_study_attempt_learner', ['learner_id', 'module'], unique=False)

    op.create_table('ql_study_credit',
    sa.Column('learner_id', sa.String(length=128), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('learner_id', 'module')
    )
    op.create_table('ql_study_visit',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('learner_id', sa.String(length=128), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ql_study_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ql_study_visit_learner_id'), ['learner_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ql_study_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ql_study_visit_learner_id'))

    op.drop_table('ql_study_visit')
    op.drop_table('ql_study_credit')
    with op.batch_alter_table('ql_study_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_ql_study_attempt_learner')

    op.drop_table('ql_study_attempt')
