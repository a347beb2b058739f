"""A database from before sealing is migrated: values sealed, join keys keyed (issue 13, items 13 and 14).

The database is brought to revision 0003 and filled as that version of edusync left it (national
ids in clear, join keys as unkeyed hashes); opening it with the keys migrates it, opening it
without them refuses and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import text

from edusync import vault
from edusync.errors import KeyUnavailable
from edusync.model.hashing import dumps, text_hash
from edusync.storage import Database, open_database
from edusync.storage.database import alembic_config, newest_revision

NIN = "01010112345"  # not a valid number: sealed all the same (an eleven-digit value)
VALID = "17054026641"


@pytest.fixture
def old_database(database_url: str) -> Iterator[Database]:
    db = open_database(database_url, migrate=False)
    with db.engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    person = {"nin": VALID, "firstName": "Kari", "eduPersonPrincipalName": "kari@fylke.no"}
    staged = {"fnr": VALID, "firstname": "Kari", "phone": NIN}
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cs_objects (connector, object_type, anchor, hash, attrs, state, dirty, seen_run, "
                "changed_run) VALUES ('sis', 'person', 'P1', 'h', :a, 'present', false, 1, 1)"
            ),
            {"a": dumps(staged)},
        )
        conn.execute(
            text(
                "INSERT INTO mv_objects (id, object_type, state, state_since, attrs, lineage, sources, hash, "
                "created_run, changed_run) VALUES ('per-1', 'person', 'active', 's', :a, '{}', '[]', 'h', 1, 1)"
            ),
            {"a": dumps(person)},
        )
        conn.execute(
            text(
                "INSERT INTO target_objects (target, object_type, key, mv_id, hash, attrs, state, run_id) "
                "VALUES ('lms', 'person', 'per-1', 'per-1', 'h', :a, 'present', 1)"
            ),
            {"a": dumps({"nin": VALID, "givenName": "Kari"})},
        )
        for name, value in (("nin", VALID), ("eduPersonPrincipalName", "kari@fylke.no")):
            conn.execute(
                text("INSERT INTO mv_keys (object_type, name, value, mv_id) VALUES ('person', :n, :v, 'per-1')"),
                {"n": name, "v": text_hash(value)},
            )
    yield db
    db.dispose()


def _dump(db: Database) -> str:
    with db.engine.connect() as conn:
        rows = [
            *conn.execute(text("SELECT attrs FROM cs_objects")),
            *conn.execute(text("SELECT attrs FROM mv_objects")),
            *conn.execute(text("SELECT attrs FROM target_objects")),
            *conn.execute(text("SELECT value FROM mv_keys")),
        ]
    return "\n".join(str(r[0]) for r in rows)


def test_opening_with_the_keys_seals_the_values_and_keys_the_join_keys(old_database: Database, database_url: str):
    before = _dump(old_database)
    assert VALID in before and text_hash(VALID) in before
    db = open_database(database_url)
    assert db.current_revision() == newest_revision()
    after = _dump(db)
    assert VALID not in after and NIN not in after and "es1$t1$" in after
    assert text_hash(VALID) not in after and vault.current().join_hash(VALID) in after
    assert vault.current().join_hash("kari@fylke.no") in after
    with db.engine.connect() as conn:
        staged = conn.execute(text("SELECT attrs FROM cs_objects")).scalar_one()
    assert vault.current().unseal_text(staged) == dumps({"fnr": VALID, "firstname": "Kari", "phone": NIN})
    db.dispose()


def test_without_the_keys_the_migration_stops_and_changes_nothing(
    old_database: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _dump(old_database)
    monkeypatch.delenv("EDUSYNC_KEYS")
    vault.install(None)
    with pytest.raises(KeyUnavailable, match="no key is set"):
        open_database(database_url)
    assert old_database.current_revision() == "0003"
    assert _dump(old_database) == before
