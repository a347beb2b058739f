"""watermarks hold text of any length: a FINT watermark (every class's stamp, the class names) and
its snapshot are longer than VARCHAR(255) and VARCHAR(64), which PostgreSQL enforces

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('watermarks') as batch:
        batch.alter_column('value', type_=sa.Text(), existing_type=sa.String(length=255), existing_nullable=True)
        batch.alter_column('snapshot', type_=sa.Text(), existing_type=sa.String(length=64), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('watermarks') as batch:
        batch.alter_column('snapshot', type_=sa.String(length=64), existing_type=sa.Text(), existing_nullable=True)
        batch.alter_column('value', type_=sa.String(length=255), existing_type=sa.Text(), existing_nullable=True)
