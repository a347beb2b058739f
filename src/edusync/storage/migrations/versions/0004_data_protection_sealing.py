"""national ids sealed at rest and join keys keyed: the stored values of a database from before

Revision ID: 0004_data_protection
Revises: 0003

This migration needs the keys (docs/data-protection.md, "Upgrading a database"): it seals every
sensitive value stored in clear with the newest data key and makes every join key again as an HMAC
with the join secret. It runs when a command first opens the database after the upgrade, with the
keys that command has: ``$EDUSYNC_KEYS``, ``$EDUSYNC_KEY_FILE`` or the config's ``storage.key_file``.
Without them it stops, naming what is missing, and changes nothing; a database with no rows needs
no key. There is no downgrade: values are never unsealed into the database again.
"""

from alembic import op

from edusync import vault
from edusync.storage import sealing

revision = '0004_data_protection'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    keys = vault.current()
    sealing.reseal(conn, keys, only_sealed=False, sealed=sealing.ATTRS_ONLY)  # the columns of this revision
    sealing.rekey_joins(conn, keys)


def downgrade() -> None:
    raise NotImplementedError("sealed values and keyed join keys are not taken back")
