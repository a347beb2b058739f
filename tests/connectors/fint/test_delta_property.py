"""Deltas are exact: after any run of school days read as deltas, the metaverse is what a fresh full import gives.

Hypothesis picks a county and a run of school days; the sandbox lives through them and
edusync reads each as a delta (import and sync, on SQLite and on PostgreSQL). Then a full
import of the same source into a fresh database is the reference: every object it has, the
delta-fed database has with the same attributes, for every awkward person the sandbox plants
(a pupil who also works, a pupil at two schools, a rector led from outside the school, a
teacher without a valid arbeidsforhold, a pupil whose enrolment ended or has not begun…).
FINT never signals a deletion, so what the delta-fed database has beyond that is only what the
source no longer delivers (never a second copy of a person under another anchor), and the
scheduled full import removes exactly that. A delta read when nothing changed changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from edusync import vault
from edusync.config.loader import load_config
from edusync.demo.env import environment
from edusync.demo.fint_demo import CLIENT, PASSWORD, SECRET, USER, fint_environment, template
from edusync.sandbox.fint import create_app, generate
from edusync.sandbox.serving import serve_in_thread
from edusync.services import runs
from edusync.storage import open_database
from tests.conftest import _drop_pg, _fresh_pg_url

TODAY = dt.date(2026, 11, 23)
NIGHT = dt.datetime.combine(TODAY, dt.time(2, 0), tzinfo=dt.UTC)
PROFILES = "profiles:\n  full: [fint:import, sync]\n  delta: [fint:import-delta, sync]\ndefault_profile: full\n"
Objects = dict[tuple[str, str], dict[str, Any]]


@contextlib.contextmanager
def fresh_database(kind: str, folder: Path, pg_server: object | None) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex}.db'}"
        return
    if pg_server is None:
        pytest.skip("no PostgreSQL server")
    url, name = _fresh_pg_url(pg_server)
    try:
        yield url
    finally:
        _drop_pg(pg_server, name)


def run(config: Path, url: str, profile: str, now: dt.datetime) -> dict[str, Any]:
    with environment({"EDUSYNC_DATABASE_URL": url}):
        loaded = load_config(config)
        db = open_database(loaded.config.storage.url, loaded.base_dir)
        try:
            outcome = runs.start(loaded, db, profile, now=now)
            report = runs.get_run(db, outcome.run_id)
        finally:
            db.dispose()
    assert report["status"] == "done", report["errors"]
    return dict(report)


def connector_space(url: str) -> Objects:
    db = open_database(url)
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT object_type, anchor, attrs FROM cs_objects WHERE state = 'present'"))
            return {(t, a): vault.current().unseal(json.loads(attrs)) for t, a, attrs in rows}
    finally:
        db.dispose()


def metaverse(url: str) -> Objects:
    db = open_database(url)
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT object_type, id, attrs FROM mv_objects WHERE state = 'active'"))
            return {(t, i): vault.current().unseal(json.loads(attrs)) for t, i, attrs in rows}
    finally:
        db.dispose()


def assert_delta_fed_matches(fed: Objects, full: Objects, what: str) -> set[tuple[str, str]]:
    """Every object of the full import is in the delta-fed database, equal; returns the extras."""
    missing = [k for k in full if k not in fed]
    assert not missing, f"{what}: the deltas lost {missing[:5]}"
    differ = [k for k in full if fed[k] != full[k]]
    assert not differ, f"{what}: {differ[0]} is {fed[differ[0]]} after deltas, {full[differ[0]]} read in full"
    return set(fed) - set(full)


def no_second_copies(extras: set[tuple[str, str]], fed: Objects, full: Objects) -> None:
    """An object the full import no longer has is someone who left, never a person under a second anchor."""
    ids = ("ElevSystemIdUri", "PersonalSystemIdUri", "SkoleressursSystemIdUri")
    present = {p[k] for (t, _), p in full.items() if t == "eduPerson" for k in ids if k in p}
    for key in extras:
        if key[0] == "eduPerson":
            assert not {fed[key].get(k) for k in ids} & present, f"{key[1]} is a second copy of a person"


def awkward(cases: Any, cs: Objects) -> None:
    """The sandbox's awkward persons are in the county the deltas start from, so the comparison covers them."""
    people = [p for (t, _), p in cs.items() if t == "eduPerson"]
    elev = "/utdanning/elev/elev/systemid/"
    worker = [p for p in people if p.get("ElevSystemIdUri") == elev + cases.pupil_and_employee["elev"]]
    assert worker and worker[0].get("SkoleressursSystemIdUri"), "a pupil who also works: one person, both roles"
    two = [p for p in people if p.get("ElevSystemIdUri") == elev + cases.pupil_two_schools["elev"]]
    assert two and len(two[0]["EduPersonOrgUnitDN"]) == 2, "a pupil at two schools"
    rector = cases.rector_outside_school["personalressurs"]
    assert any(p.get("PersonalSystemIdUri", "").endswith(f"/systemid/{rector}") for p in people), "a rector"
    assert not any(p.get("ElevSystemIdUri") == elev + cases.future_elevforhold["elev"] for p in people)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(1, 60), days=st.lists(st.integers(1, 3), min_size=1, max_size=2))
def test_deltas_after_any_school_days_equal_a_fresh_full_import(
    kind: str, seed: int, days: list[int], tmp_path: Path, pg_server: object | None
) -> None:
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    county = generate(seed=seed, size="tiny", today=TODAY)
    app = create_app(county, client_id=CLIENT, client_secret=SECRET, username=USER, password=PASSWORD)
    with serve_in_thread(app) as base, environment(fint_environment(base, county.domain)):
        config = folder / "edusync.yaml"
        config.write_text(template()[: template().index("profiles:")] + PROFILES, encoding="utf-8")
        with fresh_database(kind, folder, pg_server) as fed_url, fresh_database(kind, folder, pg_server) as full_url:
            run(config, fed_url, "full", NIGHT)
            awkward(county.scenario, connector_space(fed_url))
            now = NIGHT
            for step in days:
                httpx.post(f"{base}/_sandbox/advance", params={"days": step}).raise_for_status()
                now += dt.timedelta(days=step)
                run(config, fed_url, "delta", now)
            quiet = run(config, fed_url, "delta", now)
            changed = {k: v for k, v in quiet["counts"]["import"].items() if v.get("added") or v.get("changed")}
            assert not changed and not quiet["counts"].get("sync"), f"a delta of no change changed {changed}"

            run(config, full_url, "full", now)
            fed_cs, full_cs = connector_space(fed_url), connector_space(full_url)
            extras = assert_delta_fed_matches(fed_cs, full_cs, "connector space")
            no_second_copies(extras, fed_cs, full_cs)
            assert_delta_fed_matches(metaverse(fed_url), metaverse(full_url), "metaverse")

            run(config, fed_url, "full", now)  # the scheduled full import finds what left
            assert connector_space(fed_url) == full_cs
