"""console users: local accounts and OpenID Connect users of the operations console

Revision ID: 0005
Revises: 0004_data_protection
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004_data_protection'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=255), nullable=False),
    sa.Column('display_name', sa.String(length=255), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('roles', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('disabled_at', sa.String(length=32), nullable=True),
    sa.Column('last_login_at', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username', name='uq_console_username')
    )


def downgrade() -> None:
    op.drop_table('console_users')
