"""promotion cases (任职事项), gate steps recorded for a case, score reviews (成绩复核)

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-01 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ql_promotion_case',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.String(length=128), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('position', sa.String(length=128), nullable=False),
    sa.Column('notice_start', sa.Date(), nullable=False),
    sa.Column('notice_end', sa.Date(), nullable=False),
    sa.Column('decision_on', sa.Date(), nullable=True),
    sa.Column('opened_by', sa.String(length=64), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('ended_by', sa.String(length=64), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['ql_person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ql_promotion_case', schema=None) as batch_op:
        batch_op.create_index('ix_ql_promotion_case_person_id', ['person_id'], unique=False)
        batch_op.create_index('ux_ql_promotion_case_open', ['person_id', 'programme'], unique=True,
                              sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))

    with op.batch_alter_table('ql_gate_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_ql_gate_record_case_id', ['case_id'], unique=False)
        batch_op.create_foreign_key('fk_ql_gate_record_case', 'ql_promotion_case', ['case_id'], ['id'])

    op.create_table('ql_score_review',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.String(length=128), nullable=False),
    sa.Column('assignment', sa.String(length=128), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('first_marks', sa.JSON(), nullable=False),
    sa.Column('first_score', sa.Float(), nullable=False),
    sa.Column('marker', sa.String(length=64), nullable=True),
    sa.Column('second_marks', sa.JSON(), nullable=True),
    sa.Column('marked_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('final_score', sa.Float(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['result_id'], ['ql_result.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ql_score_review', schema=None) as batch_op:
        batch_op.create_index('ix_ql_score_review_person_id', ['person_id'], unique=False)
        batch_op.create_index('ux_ql_score_review_result', ['result_id'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('ql_score_review', schema=None) as batch_op:
        batch_op.drop_index('ux_ql_score_review_result')
        batch_op.drop_index('ix_ql_score_review_person_id')
    op.drop_table('ql_score_review')
    with op.batch_alter_table('ql_gate_record', schema=None) as batch_op:
        batch_op.drop_constraint('fk_ql_gate_record_case', type_='foreignkey')
        batch_op.drop_index('ix_ql_gate_record_case_id')
        batch_op.drop_column('case_id')
    with op.batch_alter_table('ql_promotion_case', schema=None) as batch_op:
        batch_op.drop_index('ux_ql_promotion_case_open')
        batch_op.drop_index('ix_ql_promotion_case_person_id')
    op.drop_table('ql_promotion_case')
