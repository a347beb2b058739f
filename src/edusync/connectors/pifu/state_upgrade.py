"""Upgrade a PIFU state file written by an earlier edusync to the layout this one reads.

Each step is one transaction: a file is either upgraded whole or left as it was.
The published picture and the changes recorded but not yet published both
survive, so the next file after an upgrade is the delta it would have been.
"""

from __future__ import annotations

import sqlite3

# Version 1 kept the objects in key order with a separate file-order index, which a full
# file read row by row through the index, every recorded change as its own pending row,
# and each change id as a row.
_V1_TO_V2 = """
ALTER TABLE objects RENAME TO objects_v1;
ALTER TABLE pending RENAME TO pending_v1;
DROP INDEX IF EXISTS objects_order;
DROP INDEX IF EXISTS pending_key;
{schema}
INSERT INTO objects SELECT section, grp, key, family, label, active, canon FROM objects_v1
    ORDER BY section, grp, key;
INSERT INTO recorded_ids SELECT min(change_id), max(change_id)
    FROM (SELECT change_id, change_id - row_number() OVER (ORDER BY change_id) AS run FROM pending_v1) GROUP BY run;
INSERT INTO published_ids SELECT min(change_id), max(change_id)
    FROM (SELECT change_id, change_id - row_number() OVER (ORDER BY change_id) AS run FROM published) GROUP BY run;
INSERT INTO pending (change_id, family, key, section, grp, label, present, active, canon)
    SELECT change_id, family, key, section, grp, label, present, active, canon FROM pending_v1
    WHERE change_id IN (SELECT max(change_id) FROM pending_v1 GROUP BY family, key);
DROP TABLE objects_v1;
DROP TABLE pending_v1;
DROP TABLE published;
UPDATE meta SET v = '2' WHERE k = 'version';
"""

#: version found -> (the version it becomes, the statements; ``{schema}`` is the new layout)
STEPS = {"1": ("2", _V1_TO_V2)}


def upgrade(db: sqlite3.Connection, found: str, version: str, schema: str) -> None:
    """Step the file in ``db`` from ``found`` up to ``version``; ValueError for a version it does not know."""
    while found != version:
        if found not in STEPS:
            raise ValueError(f"PIFU state version {found}, this edusync reads version {version}")
        found, script = STEPS[found]
        try:
            db.executescript(f"BEGIN IMMEDIATE; {script.format(schema=schema)} COMMIT;")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
