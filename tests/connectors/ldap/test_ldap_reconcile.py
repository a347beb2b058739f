"""Reading the catalogue back before each plan (``reconcile``): the option, the gate, a dry run, a server away.

The main case, a hand edit and a hand delete put back by a run with no source change, is in
test_ldap_runs.py with the other whole-run tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from edusync.config.loader import load_config
from edusync.storage import open_database
from edusync.testing.slapd import Slapd
from tests.connectors.ldap.helpers import modify_by_hand, read
from tests.connectors.ldap.site import Site, people


def _dn(base_dn: str, site: Site, feide: str) -> str:
    """The DN of the person with Feide name ``feide`` (entries are named by their metaverse id)."""
    loaded = load_config(site.folder / "edusync.yaml")
    db = open_database(loaded.config.storage.url, loaded.base_dir)
    try:
        with db.begin() as conn:
            rows = db.fetch(conn, "SELECT key, attrs FROM target_objects WHERE target = 'feide'", ())
    finally:
        db.dispose()
    [key] = [k for k, attrs in rows if f'"{feide}"' in attrs]
    return f"employeeNumber={key},ou=people,{base_dn}"


def _provisioned(tmp_path: Path, slapd: Slapd, base_dn: str, **target: object) -> tuple[Site, str, str]:
    site = Site(tmp_path / "site", slapd, base_dn, people(3), **target)
    first = site.run()
    assert first.status == "done" and not first.report.errors, first.report.errors
    return site, _dn(base_dn, site, "elev0@example.no"), _dn(base_dn, site, "elev1@example.no")


@pytest.fixture(autouse=True)
def _password(slapd: Slapd, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDUSYNC_TEST_LDAP_PASSWORD", slapd.password)


def test_with_reconcile_false_nothing_is_read_back_or_planned(slapd: Slapd, base_dn: str, tmp_path: Path) -> None:
    site, dn, _ = _provisioned(tmp_path, slapd, base_dn, reconcile=False)
    modify_by_hand(slapd, dn, "mail", "endret@example.no")
    second = site.run()
    assert second.status == "done" and not second.report.errors
    assert "reconcile" not in second.report.counts
    assert second.report.counts["plan"]["feide/person"] == {"before": 3}
    entry = read(slapd, dn)
    assert entry is not None and entry["mail"] == ["endret@example.no"]  # stays until the source changes it


def test_what_is_put_back_goes_through_the_gate(slapd: Slapd, base_dn: str, tmp_path: Path) -> None:
    """Put-backs count against the thresholds like any update: past the limit the run waits for a
    person, nothing is written, and the approval lets exactly that change set through."""
    limits = {"person": {"update": {"max_count": 1}}}
    site, first, second = _provisioned(tmp_path, slapd, base_dn, thresholds=limits)
    modify_by_hand(slapd, first, "mail", "endret@example.no")
    modify_by_hand(slapd, second, "givenName", "Endret")

    blocked = site.run()
    assert blocked.status == "blocked", blocked.report.errors
    assert blocked.block is not None
    assert blocked.block["reasons"] == ["feide: 2 person updates exceed the limit of 1"]
    entry = read(slapd, first)
    assert entry is not None and entry["mail"] == ["endret@example.no"]  # nothing written yet

    done = site.approve(blocked)
    assert done.status == "done" and not done.report.errors, done.report.errors
    put_back = [read(slapd, first), read(slapd, second)]
    assert put_back[0] is not None and put_back[0]["mail"] == ["elev0@elev.example.no"]
    assert put_back[1] is not None and put_back[1]["givenname"] == ["Elev"]


def test_a_dry_run_shows_what_would_be_put_back_and_writes_nothing(slapd: Slapd, base_dn: str, tmp_path: Path) -> None:
    site, dn, _ = _provisioned(tmp_path, slapd, base_dn)
    slapd.ldap("ldapmodify", f"dn: {dn}\nchangetype: delete\n")
    preview = site.run(dry_run=True)
    assert preview.status == "done"
    assert preview.report.counts["reconcile"]["feide/person"]["missing"] == 1
    assert preview.report.counts["plan"]["feide/person"] == {"before": 3, "add": 1}
    assert read(slapd, dn) is None
    assert site.run().status == "done"
    assert read(slapd, dn) is not None


def test_a_server_that_cannot_be_reached_is_read_back_by_the_next_run(
    own_slapd: Slapd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read-back is a check, not a step of its own: a server away gives a warning and a plan without
    put-backs (the export meets the same server), and the next run that reaches it puts the entry back."""
    monkeypatch.setenv("EDUSYNC_TEST_LDAP_PASSWORD", own_slapd.password)
    base = f"ou=away,{own_slapd.suffix}"
    own_slapd.add_container(base)
    site, dn, _ = _provisioned(tmp_path, own_slapd, base)
    modify_by_hand(own_slapd, dn, "mail", "endret@example.no")
    own_slapd.stop()
    away = site.run()
    assert away.status == "done", away.report.errors
    [warning] = [w for w in away.report.warnings if "reading back" in w]
    assert warning.startswith("feide: reading back what it holds stopped after 0 objects (")
    assert "cannot be reached" in warning and own_slapd.url in warning
    own_slapd.start()
    back = site.run()
    assert back.status == "done" and not back.report.errors
    assert back.report.counts["reconcile"]["feide/person"]["reconciled"] == 1
    entry = read(own_slapd, dn)
    assert entry is not None and entry["mail"] == ["elev0@elev.example.no"]
