"""issued certificates and their revocations

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-27 10:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ql_certificate',
    sa.Column('serial', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.String(length=128), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('serial')
    )
    with op.batch_alter_table('ql_certificate', schema=None) as batch_op:
        batch_op.create_index('ix_ql_certificate_person', ['person_id', 'programme'], unique=False)

    op.create_table('ql_certificate_revocation',
    sa.Column('serial', sa.String(length=32), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_by', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['serial'], ['ql_certificate.serial'], ),
    sa.PrimaryKeyConstraint('serial')
    )


def downgrade() -> None:
    op.drop_table('ql_certificate_revocation')
    with op.batch_alter_table('ql_certificate', schema=None) as batch_op:
        batch_op.drop_index('ix_ql_certificate_person')

    op.drop_table('ql_certificate')
