"""revert: each change keeps what the target held before it (state, hash, attributes as last sent), so
a run can be undone; holds keep objects a revert put back out of the plans until a person releases them

Revision ID: 0010
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('changes') as batch:
        batch.add_column(sa.Column('prior_state', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('prior_hash', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('prior_attrs', sa.Text(), nullable=True))
    op.create_table('holds',
    sa.Column('target', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('mv_id', sa.String(length=48), nullable=True),
    sa.Column('reverted_run', sa.Integer(), nullable=False),
    sa.Column('held_at', sa.String(length=32), nullable=False),
    sa.Column('held_by', sa.String(length=128), nullable=False),
    sa.Column('released_at', sa.String(length=32), nullable=True),
    sa.Column('released_by', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('target', 'object_type', 'key')
    )


def downgrade() -> None:
    op.drop_table('holds')
    with op.batch_alter_table('changes') as batch:
        batch.drop_column('prior_attrs')
        batch.drop_column('prior_hash')
        batch.drop_column('prior_state')
