"""run options, recovered errors, and the input counts the drift baseline is read from

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('runs') as batch:
        batch.add_column(sa.Column('options', sa.Text(), nullable=False, server_default='{}'))
        batch.add_column(sa.Column('recovered', sa.Text(), nullable=False, server_default='[]'))
    op.create_table('input_counts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('connector', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_input_counts_type', 'input_counts', ['connector', 'object_type', 'id'])


def downgrade() -> None:
    op.drop_index('ix_input_counts_type', table_name='input_counts')
    op.drop_table('input_counts')
    with op.batch_alter_table('runs') as batch:
        batch.drop_column('recovered')
        batch.drop_column('options')
