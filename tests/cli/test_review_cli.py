"""Reviewing a block from the terminal: the runs that wait, and a run's planned changes, paged and as CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from edusync.cli.render import number
from edusync.model.fnr import mask
from edusync.pipeline.syncing.rule import mv_id_for
from edusync.services import changes
from edusync.services.changes import RUN_CSV_COLUMNS
from edusync.services.paging import BadQuery
from tests.cli.conftest import ELEV, Site


def _lost_ids(site: Site) -> set[str]:
    """The metaverse ids of the pupils the blocked night lost (projected on night 1, so derived)."""
    return {mv_id_for("person", "sis", "person", anchor) for anchor in site.people["lost"]}


def _national_ids(site: Site) -> set[str]:
    return {p[1] for p in site.ws.county.persons} | {site.people["fnr"]}


def test_runs_by_status_and_what_waits(cli_site: Site) -> None:
    blocked = cli_site.cli("runs", "--status", "blocked", "--json")
    assert blocked.returncode == 0, blocked.stderr
    assert [r["id"] for r in json.loads(blocked.stdout)] == [cli_site.blocked]
    done = json.loads(cli_site.cli("runs", "--status", "done", "--json").stdout)
    assert [r["id"] for r in done] == cli_site.column("SELECT id FROM runs WHERE status = 'done' ORDER BY id DESC")
    table = cli_site.cli("runs", "--status", "blocked").stdout
    hash12 = json.loads(blocked.stdout)[0]["block"]["hash"][:12]
    assert f"run {cli_site.blocked} waits for a decision" in table
    assert f"edusync approve {cli_site.blocked} --expect {hash12}" in table
    assert "waits for a decision" not in cli_site.cli("runs", "--status", "done").stdout
    bogus = cli_site.cli("runs", "--status", "sleeping")
    assert bogus.returncode == 1 and "none of" in bogus.stderr


def test_changes_filtered_and_paged(cli_site: Site) -> None:
    run = str(cli_site.blocked)
    first = json.loads(
        cli_site.cli("runs", "show", run, "--changes", "--type", "person", "--op", "delete", "--json").stdout
    )
    assert first["total"] == len(cli_site.people["lost"])
    # The rest page by page, as the command pages (in-process: the same service, without a process each).
    seen = list(first["items"])
    while len(seen) < first["total"]:
        page = changes.run_changes(cli_site.db, cli_site.blocked, object_type="person", op="delete", offset=len(seen))
        assert page["items"], "a page inside the total is never empty"
        seen += page["items"]
    assert {c["mv_id"] for c in seen} == _lost_ids(cli_site)
    assert all(c["op"] == "delete" and c["target"] == "lms" and c["before"] and c["after"] is None for c in seen)
    assert len({c["id"] for c in seen}) == len(seen), "no change on two pages"
    # A page of five, and its neighbours; past the end, nothing.
    everything = changes.run_changes(cli_site.db, cli_site.blocked, limit=1)["total"]
    five = cli_site.cli("runs", "show", run, "--changes", "--limit", "5")
    assert f"showing 1–5 of {number(everything)} changes; next page: --offset 5" in five.stdout
    head = changes.run_changes(cli_site.db, cli_site.blocked, limit=5)["items"]
    nxt = changes.run_changes(cli_site.db, cli_site.blocked, limit=5, offset=5)["items"]
    assert {c["id"] for c in head}.isdisjoint(c["id"] for c in nxt) and len(nxt) == 5
    assert all(c["key"] in five.stdout for c in head)
    assert len(changes.run_changes(cli_site.db, cli_site.blocked, offset=everything - 2)["items"]) == 2
    past = cli_site.cli("runs", "show", run, "--changes", "--offset", str(everything))
    assert past.returncode == 0 and f"no changes match at offset {everything}" in past.stdout
    for bad in ({"limit": 0}, {"limit": 501}, {"offset": -1}):
        with pytest.raises(BadQuery):
            changes.run_changes(cli_site.db, cli_site.blocked, **bad)
    refused = cli_site.cli("runs", "show", run, "--changes", "--limit", "501")
    assert refused.returncode == 1 and "limit must be 1 to 500" in refused.stderr
    nosuch = cli_site.cli("runs", "show", run, "--changes", "--target", "nosuch")
    assert nosuch.returncode == 1 and "no change set for target 'nosuch'" in nosuch.stderr


def test_an_update_shows_before_and_after(cli_site: Site) -> None:
    pupil = cli_site.scalar(
        "SELECT mv_id FROM cs_objects WHERE object_type = 'person' AND anchor = :a", a=ELEV + "7001"
    )
    updates = json.loads(
        cli_site.cli(
            "runs", "show", str(cli_site.blocked), "--changes", "--op", "update", "--limit", "500", "--json"
        ).stdout
    )
    mine = [c for c in updates["items"] if c["mv_id"] == pupil and c["object_type"] == "person"]
    assert len(mine) == 1
    assert mine[0]["changed"]["familyName"] == [cli_site.people["renamed"], "Endretnavn"]
    table = cli_site.cli("runs", "show", str(cli_site.blocked), "--changes", "--op", "update", "--limit", "500")
    assert f"familyName: {cli_site.people['renamed']} → Endretnavn" in table.stdout


def test_csv_of_the_changes(cli_site: Site, tmp_path: Path) -> None:
    run = str(cli_site.blocked)
    out = tmp_path / "deletes.csv"
    wrote = cli_site.cli("runs", "show", run, "--changes", "--type", "person", "--op", "delete", "--csv", str(out))
    assert wrote.returncode == 0, wrote.stderr
    assert f"wrote {len(cli_site.people['lost'])} changes" in wrote.stderr
    text = out.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(RUN_CSV_COLUMNS)
    assert {r["mv_id"] for r in rows} == _lost_ids(cli_site) and {r["op"] for r in rows} == {"delete"}
    for r in rows:
        before = json.loads(r["before"])
        assert r["after"] == "" and f"username: {before['username']} → ∅" in r["changed"]
    # The whole run to stdout: every change once, whatever the page size; no national id in it.
    total = json.loads(cli_site.cli("runs", "show", run, "--changes", "--limit", "1", "--json").stdout)["total"]
    whole = cli_site.cli("runs", "show", run, "--changes", "--csv", "-")
    lines = list(csv.DictReader(io.StringIO(whole.stdout)))
    assert len(lines) == total and len({r["id"] for r in lines}) == total
    # The target is sent national ids (the site's lms has a nin flow): the CSV shows them masked.
    assert not any(n in whole.stdout for n in _national_ids(cli_site))
    assert any(mask(n) in whole.stdout for n in _national_ids(cli_site))
    renamed = [r for r in lines if r["op"] == "update" and "Endretnavn" in r["changed"]]
    assert renamed and f"familyName: {cli_site.people['renamed']} → Endretnavn" in renamed[0]["changed"]
