"""The state file: upgraded from the layout of earlier versions, and what CONFIRM finds in it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from edusync.connectors.pifu import PifuConnector
from edusync.connectors.pifu.state import VERSION, id_runs
from edusync.errors import FatalError
from edusync.model.records import Change, Op
from tests.connectors.pifu.builders import change, county, klasse, pupil
from tests.connectors.pifu.conftest import assert_valid, make, written

NS = {"p": "http://pifu.no/xsd/pifu-ims_sas/pifu-ims_sas-v1"}

#: The layout edusync wrote up to state version 1 (before 2026-11-27), as it was.
V1 = """
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE objects (
    family INTEGER NOT NULL, key TEXT NOT NULL, section INTEGER NOT NULL, grp TEXT NOT NULL,
    label TEXT, active INTEGER NOT NULL, canon TEXT NOT NULL, PRIMARY KEY (family, key));
CREATE INDEX objects_order ON objects (section, grp, key);
CREATE TABLE pending (
    change_id INTEGER PRIMARY KEY, family INTEGER NOT NULL, key TEXT NOT NULL, section INTEGER,
    grp TEXT, label TEXT, present INTEGER NOT NULL, active INTEGER NOT NULL, canon TEXT);
CREATE INDEX pending_key ON pending (family, key, change_id);
CREATE TABLE published (change_id INTEGER PRIMARY KEY);
INSERT INTO meta VALUES ('version', '1');
"""


def v1_state(tmp_path: Path, published: list[Change], pending: list[Change]) -> Path:
    """A version-1 state file holding ``published`` as sent, with ``pending`` recorded but not yet published."""
    rows = make(tmp_path / "rows")
    out = tmp_path / "out"
    out.mkdir()
    path = out / ".lms.pifu-state.sqlite"
    db = sqlite3.connect(path)
    db.executescript(V1)
    for c in published:
        cid, family, key, section, grp, label, _present, active, canon = rows._pending(c) or ()
        row = (family, key, section, grp, label, active, canon)
        db.execute("INSERT INTO objects VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        db.execute("INSERT INTO published VALUES (?)", (cid,))
    db.executemany("INSERT INTO pending VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [rows._pending(c) for c in pending])
    db.commit()
    db.close()
    return path


def test_a_version_1_state_is_upgraded_and_the_next_delta_is_the_one_it_would_have_been(tmp_path: Path) -> None:
    published = county()
    gap = pupil("per-gap", "Aldri", "Sendt")  # an id never published: the published ids are not one run
    published.append(pupil("per-5", "Kari", "Sist"))
    later = [
        pupil("per-3", "Nils", "Ny"),
        klasse("grp-7a", "7B", op=Op.UPDATE),
        klasse("grp-7a", "7C", op=Op.UPDATE),  # the newer change of the same object wins
        change("person", "per-2", Op.DELETE),
    ]
    path = v1_state(tmp_path, published, later)
    conn = make(tmp_path)
    conn.begin_export(2, 2)
    assert conn.confirm([*county(), gap, *published, *later]) == {c.id for c in [*published, *later]}
    conn.finish_export()
    (delta,) = written(tmp_path / "out")
    tree = assert_valid(delta)
    records = tree.xpath("/p:enterprise/*[p:sourcedid]", namespaces=NS)
    got = {(r.findtext("p:sourcedid/p:id", namespaces=NS), r.get("recstatus")) for r in records}
    assert got == {("per-3", "1"), ("per-2", "3"), ("grp-7a", "2")}
    assert tree.xpath("//p:group/p:description/p:short/text()", namespaces=NS) == ["7C"]
    conn.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT v FROM meta WHERE k = 'version'").fetchone() == (VERSION,)
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert not {"objects_v1", "pending_v1", "published"} & tables


def test_a_state_from_a_newer_edusync_is_refused(tmp_path: Path) -> None:
    path = v1_state(tmp_path, county(), [])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET v = '9' WHERE k = 'version'")
    conn = make(tmp_path)
    with pytest.raises(FatalError, match="version 9"):
        conn.begin_export(1, 1)


def test_confirm_knows_exactly_the_recorded_changes_with_gaps_and_changes_sent_twice(target: PifuConnector) -> None:
    first = county()
    bad = change("person", "per-x", givenName="Uten")  # fails: never recorded
    forgot = change("person", "per-1", Op.FORGET)  # the receiver keeps it: nothing to record
    later = [pupil("per-3", "Nils", "Ny"), pupil("per-4", "Eva", "Ny")]
    target.begin_export(1, 1)
    target.export([*first[:4], bad, *first[4:], forgot])
    target.export([*first[2:6], *later])  # a resumed run sends part of a batch again
    recorded = {c.id for c in [*first, *later]}
    assert target.confirm([*first, bad, forgot, *later]) == recorded
    target.finish_export()
    assert target.confirm([*first, bad, forgot, *later]) == recorded, "the published file confirms them"


def test_id_runs() -> None:
    assert id_runs([]) == []
    assert id_runs([3, 1, 2]) == [(1, 3)]
    assert id_runs([9, 5, 3, 4, 9, 1]) == [(1, 1), (3, 5), (9, 9)]
