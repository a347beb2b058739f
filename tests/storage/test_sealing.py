"""National ids sealed at rest (issue 13, item 13), on SQLite and on PostgreSQL.

A run with a target that receives the national id stores it in every table that holds attributes
(the connector space, the metaverse, the change set, what the target holds) and in the PIFU state
file; none of them may hold it in clear, what the target receives must be unchanged, and a copy of
the database read without the key must refuse to open the values rather than show them.
"""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from edusync import vault
from edusync.errors import KeyUnavailable
from edusync.model.hashing import text_hash
from edusync.services import audit, keys
from edusync.storage import metaverse
from tests.conftest import TEST_KEYS
from tests.itslearning.conftest import Itslearning
from tests.workspace import Workspace

NEW_KEY = base64.urlsafe_b64encode(bytes(range(100, 132))).decode()


def national_ids(ws: Workspace) -> set[str]:
    return {p[1] for p in ws.county.persons if p[1]}


def stored_text(ws: Workspace) -> str:
    """Every row of every edusync table, as the database's own text (what a stolen copy shows)."""
    out = []
    with ws.db.engine.connect() as conn:
        names = [r[0] for r in conn.execute(text(_TABLES if ws.db.is_sqlite else _PG_TABLES))]
        for name in names:
            if ws.db.is_sqlite:
                out += [repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{name}"'))]
            else:
                out += [r[0] for r in conn.execute(text(f'SELECT t::text FROM "{name}" AS t'))]
    return "\n".join(out)


_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"
_PG_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"


@pytest.fixture
def its(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Itslearning:
    """itslearning gets persons with their national id (``nin`` → ``personNIN``)."""
    monkeypatch.setenv("EDUSYNC_DATABASE_URL", database_url)
    ws = Itslearning(tmp_path / "ws")
    ws.settings["targets"]["itslearning"]["objects"][1]["flows"].append({"to": "nin", "from": "nin"})
    ws.write()
    return ws


def test_no_table_and_no_state_file_holds_a_national_id_in_clear(its: Itslearning) -> None:
    assert its.run().exit_code == 0
    ids = national_ids(its)
    assert len(ids) > 100
    stored = stored_text(its)
    assert "es1$t1$" in stored, "the values are sealed with the session's key"
    assert not [n for n in ids if n in stored]
    state = next(its.out.glob(".*.pifu-state.sqlite"))
    con = sqlite3.connect(state)
    canon = "\n".join(r[0] for r in con.execute("SELECT canon FROM objects"))
    con.close()
    assert not [n for n in ids if n in canon] and "es1$t1$" in canon
    # What the target receives is the national id itself: that is what it is sent for.
    published = "".join(p.read_text(encoding="utf-8") for p in its.files())
    assert len([n for n in ids if f">{n}<" in published]) > 100
    its.close()


def test_join_keys_are_keyed_hashes_not_hashes_anyone_can_make(its: Itslearning) -> None:
    """An unkeyed hash of a fødselsnummer is undone by hashing all 40 million valid numbers (item 14)."""
    assert its.run().exit_code == 0
    with its.db.engine.connect() as conn:
        stored = {r[0] for r in conn.execute(text("SELECT value FROM mv_keys WHERE name = 'nin'"))}
    ids = national_ids(its)
    assert len(stored) == len(ids)
    assert not stored & {text_hash(n) for n in ids}, "no join key is the unkeyed hash of its national id"
    assert stored == {vault.current().join_hash(n) for n in ids}
    its.close()


def test_a_copy_read_without_the_key_opens_nothing(its: Itslearning, monkeypatch: pytest.MonkeyPatch) -> None:
    assert its.run().exit_code == 0
    person = next(p for p in its.county.persons if p[1])
    mv_id = its.show("person", person[0])["id"]
    monkeypatch.setenv("EDUSYNC_KEYS", "t2=" + NEW_KEY)  # another installation's key, not this one's
    vault.install(None)
    with its.db.begin() as conn, pytest.raises(KeyUnavailable, match="key 't1'"):
        metaverse.load_mv(its.db, conn, [mv_id])
    monkeypatch.setenv("EDUSYNC_KEYS", TEST_KEYS)
    vault.install(None)
    with its.db.begin() as conn:
        assert metaverse.load_mv(its.db, conn, [mv_id])[mv_id].attrs["nin"] == person[1]
    its.close()


def test_rotation_reseals_everything_and_old_keys_open_until_it_is_done(
    its: Itslearning, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert its.run().exit_code == 0
    person = next(p for p in its.county.persons if p[1])
    # The new key goes last; the old one stays until the rotation has finished.
    monkeypatch.setenv("EDUSYNC_KEYS", TEST_KEYS + ";t2=" + NEW_KEY)
    loaded = its.loaded
    assert its.show("person", person[0])["attributes"]["nin"] == person[1][:6] + "*****", "t1 still opens"
    result = keys.rotate(loaded, its.db, "tester", new_key=False)
    assert result["key"] == "t2" and result["no_longer_used"] == ["t1"]
    assert result["rows"]["mv_objects"] > 100 and result["rows"]["target_objects"] > 100
    assert sum(result["state_files"].values()) > 100
    stored = stored_text(its)
    assert "es1$t1$" not in stored and "es1$t2$" in stored
    # Without the old key, everything still opens, and the next night sends nothing new.
    monkeypatch.setenv("EDUSYNC_KEYS", TEST_KEYS.replace(TEST_KEYS.split(";")[1], "t2=" + NEW_KEY))
    vault.install(None)
    again = its.run(1)
    assert again.exit_code == 0
    planned = its.run_info(again.run_id)["counts"].get("plan", {})
    assert not any(n for c in planned.values() for k, n in c.items() if k not in ("before", "unchanged")), planned
    logged = audit.entries(its.db, action="key-rotate")
    assert [(e["actor"], e["detail"]["key"]) for e in logged] == [("tester", "t2")]
    its.close()


def test_a_run_without_any_key_stops_before_storing_a_national_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EDUSYNC_KEYS")
    monkeypatch.delenv("EDUSYNC_DATABASE_URL", raising=False)
    ws = Workspace(tmp_path / "ws")
    ws.settings["storage"].pop("key_file")
    ws.write()
    outcome = ws.run()
    assert outcome.exit_code == 1
    errors = ws.run_info(outcome.run_id)["errors"]
    assert any("no key is set" in e for e in errors), errors
    with ws.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cs_objects")).scalar() == 0
    ws.close()
