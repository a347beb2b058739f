"""changes are found by their metaverse object: a person's page lists every change planned for them,
which without an index reads the whole changes table (millions of rows at a county's size)

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_change_mv', 'changes', ['mv_id'])


def downgrade() -> None:
    op.drop_index('ix_change_mv', table_name='changes')
