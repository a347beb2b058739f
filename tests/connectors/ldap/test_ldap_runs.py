"""The Feide catalogue through whole runs: slapd restarted while a run is exporting, and hand edits put back.

The connector-level tests (test_ldap_resume, test_ldap_drift) call ``export`` by hand; these go
through the engine (import → sync → plan → gate → batched export) as a night does.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from ldap3 import MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE, Connection, Server

from edusync.testing.slapd import Slapd
from tests.connectors.ldap.helpers import modify_by_hand, read
from tests.connectors.ldap.site import Site, people


def _entries(slapd: Slapd, base_dn: str) -> list[str]:
    found = slapd.ldap("ldapsearch", "", "-b", f"ou=people,{base_dn}", "-LLL", "(objectClass=eduPerson)", "dn")
    return re.findall(r"^dn: (employeeNumber=per-\S+)", found, re.MULTILINE)


def _add_requests(slapd: Slapd) -> int:
    return len(re.findall(r'ADD dn="employeeNumber=per-', slapd.log_path.read_text(errors="replace")))


def test_slapd_restarted_while_a_run_exports(own_slapd: Slapd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed in the middle of a batch and back while the run is still exporting: the batch cut off fails
    as retriable, the run's later batches reach the restarted server, and the next run sends only what
    failed. Every person ends up in the catalogue exactly once."""
    monkeypatch.setenv("EDUSYNC_TEST_LDAP_PASSWORD", own_slapd.password)
    base = f"ou=restart,{own_slapd.suffix}"
    own_slapd.add_container(base)
    total, batch = 300, 15
    site = Site(tmp_path / "site", own_slapd, base, people(total), batch_size=batch)
    killed, back = threading.Event(), threading.Event()
    before: list[str] = []

    def crash_and_restart() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if _add_requests(own_slapd) >= 3 * batch + 5:  # in the middle of the fourth batch
                killed.set()  # first, so that the batch that finds the server gone waits for it
                own_slapd.kill()
                before.extend(_applied(own_slapd))
                own_slapd.start()
                back.set()
                return
            time.sleep(0.001)

    def progress(label: str, done: int, _total: int | None) -> None:
        # Called after each exported batch. A restart takes a moment; a county's export takes minutes,
        # so the server is back before the run is done: here the run waits for it at a batch boundary.
        if label.startswith("export") and killed.is_set():
            back.wait(30)

    thread = threading.Thread(target=crash_and_restart)
    thread.start()
    first = site.run(progress)
    thread.join()
    assert back.is_set(), "the run finished before slapd was killed"
    failed = first.report.errors
    assert 0 < len(failed) <= batch, failed  # the rest of the batch that was cut off
    assert all(("stopped answering" in e or "cannot be reached" in e) and own_slapd.url in e for e in failed)
    written = len(_entries(own_slapd, base))
    assert len(before) < total - len(failed) <= written, "later batches of the same run were written"
    assert written <= total - len(failed) + 1  # the add in flight may have been applied, its answer lost

    second = site.run()
    assert second.status == "done" and not second.report.errors, second.report.errors
    assert len(_entries(own_slapd, base)) == total
    adds = Counter(dn for (op, dn), n in own_slapd.operations().items() for _ in range(n) if op == "ADD")
    added = {dn: n for dn, n in adds.items() if dn.startswith("employeenumber=per-")}
    # (An add whose result slapd never logged, being killed, is not counted; none may count twice.)
    assert len(added) >= total - 1 and max(added.values()) == 1, "a person was added twice"


def _applied(slapd: Slapd) -> list[str]:
    """Persons the server had answered an ADD for before it died (from its log, while it is down)."""
    return [dn for (op, dn), n in slapd.operations().items() if op == "ADD" and dn.startswith("employeenumber=per-")]


def _dn_of(slapd: Slapd, base_dn: str, feide: str) -> str:
    found = slapd.ldap("ldapsearch", "", "-b", base_dn, "-LLL", f"(eduPersonPrincipalName={feide})", "dn")
    return found.split("dn: ", 1)[1].split("\n", 1)[0]


def _by_hand(slapd: Slapd) -> Connection:
    """What an administrator with ldap3 (or Apache Directory Studio) does, outside edusync."""
    return Connection(Server("127.0.0.1", port=slapd.port), slapd.root_dn, slapd.password, auto_bind=True)


def test_a_hand_edit_is_put_back_by_the_next_run_without_a_source_change(
    slapd: Slapd, base_dn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing changes at the source, yet the next run reads the catalogue back, finds one entry edited
    by hand and one deleted by hand, and puts both back as edusync last sent them; the run report counts
    them, and what edusync does not manage stays as the administrator left it."""
    monkeypatch.setenv("EDUSYNC_TEST_LDAP_PASSWORD", slapd.password)
    monkeypatch.setattr("edusync.pipeline.planning.reconcile.READ", 2)  # three persons: read back over two pages
    site = Site(tmp_path / "site", slapd, base_dn, people(3))
    assert site.run().status == "done"
    edited, deleted = _dn_of(slapd, base_dn, "elev1@example.no"), _dn_of(slapd, base_dn, "elev2@example.no")
    as_sent = read(slapd, deleted)
    with _by_hand(slapd) as conn:
        conn.modify(edited, {
            "mail": [(MODIFY_REPLACE, ["endret.for.hand@example.no"])],
            "displayName": [(MODIFY_DELETE, [])],
            "title": [(MODIFY_ADD, ["Tillitsvalgt"])],  # not an attribute edusync manages
        })  # fmt: skip
        assert conn.result["result"] == 0, conn.result
        conn.delete(deleted)
        assert conn.result["result"] == 0, conn.result
    before = len(slapd.modified_attributes(edited))

    second = site.run()
    assert second.status == "done" and not second.report.errors, second.report.errors
    counts = second.report.counts
    assert counts["reconcile"]["feide/person"] == {"checked": 3, "changed": 1, "missing": 1, "reconciled": 2}
    assert counts["plan"]["feide/person"] == {"before": 3, "update": 1, "add": 1}
    [warning] = [w for w in second.report.warnings if "edusync last sent" in w]
    assert warning == (
        "feide: 2 person objects did not hold what edusync last sent them (1 changed outside edusync "
        "(displayName, mail); 1 missing): put back with the values last sent"
    )
    assert "endret.for.hand" not in " ".join(second.report.warnings)  # names only, never values
    entry = read(slapd, edited)
    assert entry is not None
    assert entry["mail"] == ["elev1@elev.example.no"]
    assert entry["displayname"] == ["Elev Nummer 1"]
    assert entry["title"] == ["Tillitsvalgt"]  # left alone
    assert slapd.modified_attributes(edited)[before:] == [{"mail", "displayname"}]  # one modify, just those
    assert read(slapd, deleted) == as_sent  # added again, exactly as before

    third = site.run()  # the catalogue holds what was sent: nothing to put back, nothing written
    assert third.status == "done" and not third.report.errors
    assert third.report.counts["reconcile"]["feide/person"] == {
        "checked": 3, "changed": 0, "missing": 0, "reconciled": 0,
    }  # fmt: skip
    assert third.report.counts["plan"]["feide/person"] == {"before": 3}
    assert len(slapd.modified_attributes(edited)) == before + 1


def test_a_hand_edit_on_an_entry_the_source_changes_too_is_planned_once(
    slapd: Slapd, base_dn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The source's change carries the whole new state, so it wins: one update, one modify with the
    source's new value and the hand-edited values put back, and nothing counted as reconciled."""
    monkeypatch.setenv("EDUSYNC_TEST_LDAP_PASSWORD", slapd.password)
    persons = people(3)
    site = Site(tmp_path / "site", slapd, base_dn, persons)
    assert site.run().status == "done"
    dn = _dn_of(slapd, base_dn, "elev1@example.no")
    # Someone edits the catalogue by hand: two managed values and one edusync does not manage.
    modify_by_hand(slapd, dn, "displayName", "Endret for hånd")
    modify_by_hand(slapd, dn, "eduPersonAffiliation", "employee")
    modify_by_hand(slapd, dn, "title", "Tillitsvalgt")
    before = len(slapd.modified_attributes(dn))

    # Night two: the source changes the pupil's mobile number too.
    site.write(persons.replace("+4790000001", "+4799999999"))
    second = site.run()
    assert second.status == "done" and not second.report.errors, second.report.errors
    assert second.report.counts["plan"]["feide/person"] == {"before": 3, "update": 1}
    assert second.report.counts["reconcile"]["feide/person"] == {
        "checked": 3, "changed": 0, "missing": 0, "reconciled": 0,
    }  # fmt: skip
    entry = read(slapd, dn)
    assert entry is not None
    assert entry["mobile"] == ["+4799999999"]
    assert entry["displayname"] == ["Elev Nummer 1"]  # put back
    assert entry["edupersonaffiliation"] == ["student"]  # put back
    assert entry["title"] == ["Tillitsvalgt"]  # not edusync's to manage: left alone
    # One modify that touches exactly what differed from the live entry.
    assert slapd.modified_attributes(dn)[before:] == [{"mobile", "displayname", "edupersonaffiliation"}]
