"""source_lines: the lines of each file source's last full read, sealed, so the next import parses only
the lines that changed

Revision ID: 0012
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('source_lines',
    sa.Column('connector', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=False),
    sa.Column('settings', sa.Text(), nullable=False),
    sa.Column('lines', sa.Integer(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('connector', 'object_type')
    )


def downgrade() -> None:
    op.drop_table('source_lines')
