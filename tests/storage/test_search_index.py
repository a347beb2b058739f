"""The search index (migration 0008): follows every write to the metaverse, finds by a part of a name, a
Feide name, a source anchor, a school or a group's name, and is built for a database that had objects
before it, on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy import delete, select, text, update

from edusync.model.hashing import dumps
from edusync.services import people
from edusync.storage import Database, open_database, tables
from edusync.storage.database import alembic_config

OBJECTS = [
    (
        "per-1",
        "person",
        {"displayName": "Øystein Ærlig", "eduPersonPrincipalName": "oystein@fylke.no", "school": "org-1"},
    ),
    (
        "per-2",
        "person",
        {"displayName": "Kari Nordmann", "eduPersonPrincipalName": "kari.n@fylke.no", "school": "org-2"},
    ),
    ("grp-1", "group", {"name": "Matematikk 1A", "school": "org-1"}),
    ("org-1", "organisation", {"name": "Bakkeby vgs"}),
    ("mem-1", "membership", {"role": "student"}),
]


def _insert(conn: Any, rows: list[tuple[str, str, dict[str, Any]]]) -> None:
    for mv_id, object_type, attrs in rows:
        conn.execute(
            text(
                "INSERT INTO mv_objects (id, object_type, state, state_since, attrs, lineage, sources, hash, "
                "created_run, changed_run) VALUES (:i, :t, 'active', 's', :a, '{}', '[]', 'h', 1, 1)"
            ),
            {"i": mv_id, "t": object_type, "a": dumps(attrs)},
        )
    conn.execute(
        text(
            "INSERT INTO cs_objects (connector, object_type, anchor, hash, attrs, state, dirty, mv_id, seen_run, "
            "changed_run) VALUES ('sis', 'person', 'P2', 'h', '{}', 'present', false, 'per-2', 1, 1)"
        )
    )


def _found(db: Database, q: str, **kw: Any) -> list[str]:
    return [o["id"] for o in people.search(db, q, **kw).items]


@pytest.fixture
def site(db: Database) -> Database:
    with db.begin() as conn:
        _insert(conn, OBJECTS)
    return db


def test_search_finds_by_part_of_a_name_feide_name_anchor_school_and_group(site: Database) -> None:
    assert _found(site, "øystein") == ["per-1"]
    assert _found(site, "ØYSTEIN ÆRL") == ["per-1"], "case aside, the Norwegian letters too"
    assert _found(site, "nordman") == ["per-2"]
    assert _found(site, "Ka") == ["per-2"], "two letters (fewer than a trigram) are still found"
    assert _found(site, "kari.n@fylke") == ["per-2"]
    assert _found(site, "P2") == ["per-2"], "a source anchor"
    assert _found(site, "matematikk") == ["grp-1"]
    assert _found(site, "bakkeby") == ["org-1"]
    assert _found(site, "", school="org-1") == ["grp-1", "per-1"]
    assert _found(site, "fylke", school="org-2") == ["per-2"]
    assert _found(site, "fylke", object_type="group") == []
    assert _found(site, "student") == [], "a membership's role is not a name"
    assert _found(site, "100%_") == []


def test_the_index_follows_updates_and_deletes(site: Database) -> None:
    mv = tables.mv_objects
    with site.begin() as conn:
        conn.execute(update(mv).where(mv.c.id == "per-2").values(attrs=dumps({"displayName": "Kari Hansen"})))
        conn.execute(delete(mv).where(mv.c.id == "grp-1"))
        conn.execute(update(mv).where(mv.c.id == "per-1").values(state="grace"))  # not the attributes
    assert _found(site, "nordmann") == []
    assert _found(site, "hansen") == ["per-2"]
    assert _found(site, "matematikk") == []
    assert _found(site, "øystein") == ["per-1"]
    with site.begin() as conn:
        terms = dict(conn.execute(select(tables.mv_search.c.mv_id, tables.mv_search.c.terms)).all())
    assert set(terms) == {"per-1", "per-2", "org-1"}, "memberships are not indexed"
    assert terms["per-1"].split("\n")[0] == "øystein ærlig"


@pytest.fixture
def old_database(database_url: str) -> Iterator[Database]:
    db = open_database(database_url, migrate=False)
    with db.engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
        _insert(conn, OBJECTS)
    yield db
    db.dispose()


def test_the_migration_indexes_the_objects_already_there(old_database: Database) -> None:
    old_database.migrate()
    assert _found(old_database, "ærlig") == ["per-1"]
    assert _found(old_database, "", school="org-1") == ["grp-1", "per-1"]
    with old_database.begin() as conn:
        _insert_more = text(
            "INSERT INTO mv_objects (id, object_type, state, state_since, attrs, lineage, sources, hash, "
            "created_run, changed_run) VALUES ('per-3', 'person', 'active', 's', :a, '{}', '[]', 'h', 2, 2)"
        )
        conn.execute(_insert_more, {"a": dumps({"displayName": "Per Persen"})})
    assert _found(old_database, "persen") == ["per-3"], "and the triggers keep it in step after"


def test_on_sqlite_the_fts5_index_answers_the_like(site: Database) -> None:
    """An ``ESCAPE`` clause keeps FTS5 from using its trigrams (a scan of every row): the search has none."""
    if not site.is_sqlite:
        pytest.skip("FTS5 is SQLite's; PostgreSQL's GIN index takes the escaped LIKE")
    query = people._indexed(site, "nordmann", ["person"])
    with site.begin() as conn:
        compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    assert "mv_search_fts VIRTUAL TABLE INDEX 0:L" in plan, plan
