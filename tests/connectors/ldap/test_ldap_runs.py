"""The Feide catalogue through whole runs: slapd restarted while a run is exporting, and hand edits.

The connector-level tests (test_ldap_resume, test_ldap_drift) call ``export`` by hand; these go
through the engine (import → sync → plan → gate → batched export) as a night does.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from edusync.config.loader import load_config
from edusync.services.context import Progress
from edusync.services.runner import Runner, RunOutcome
from edusync.storage import open_database
from edusync.testing.slapd import Slapd
from tests.connectors.ldap.helpers import modify_by_hand, read

HEADER = "id,firstname,lastname,feide,role,email,mobile\n"


def _people(n: int) -> str:
    rows = [
        f"p{i:04d},Elev,Nummer {i},elev{i}@example.no,student,elev{i}@elev.example.no,+47900{i:05d}" for i in range(n)
    ]
    return HEADER + "\n".join(rows) + "\n"


def _config(slapd: Slapd, base_dn: str, batch_size: int) -> dict[str, Any]:
    return {
        "storage": {"url": "sqlite:///edusync.db"},
        "connectors": {
            "sis": {"type": "files", "settings": {"input": "data", "types": {"person": {"file": "persons"}}}},
            "feide": {"type": "ldap", "settings": {
                "url": slapd.url, "bind_dn": slapd.root_dn, "bind_password": "${EDUSYNC_TEST_LDAP_PASSWORD}",
                "base_dn": base_dn, "timeout": 5, "connect_timeout": 2}},
        },
        "sync": [{"connector": "sis", "object_type": "person", "metaverse_type": "person", "flows": [
            {"to": "firstName", "from": "firstname"}, {"to": "lastName", "from": "lastname"},
            {"to": "feide", "from": "feide"}, {"to": "role", "from": "role"}, {"to": "mail", "from": "email"},
            {"to": "mobile", "from": "mobile"}]}],
        "targets": {"feide": {"batch_size": batch_size, "objects": [
            {"metaverse_type": "person", "object_type": "person", "flows": [
                {"to": "givenName", "from": "firstName"}, {"to": "sn", "from": "lastName"},
                {"to": "displayName", "from": ["firstName", "lastName"], "rule": "join_space"},
                {"to": "eduPersonPrincipalName", "from": "feide"}, {"to": "eduPersonAffiliation", "from": "role"},
                {"to": "mail", "from": "mail"}, {"to": "mobile", "from": "mobile"}]}]}},
        "profiles": {"nightly": ["sis:import", "sync", "lifecycle", "feide:export"]},
    }  # fmt: skip


class Site:
    def __init__(self, folder: Path, slapd: Slapd, base_dn: str, people: str, batch_size: int = 500) -> None:
        self.folder = folder
        (folder / "data").mkdir(parents=True)
        (folder / "data" / "persons.csv").write_text(people, encoding="utf-8")
        config = _config(slapd, base_dn, batch_size)
        (folder / "edusync.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

    def run(self, progress: Progress | None = None) -> RunOutcome:
        loaded = load_config(self.folder / "edusync.yaml")
        db = open_database(loaded.config.storage.url, loaded.base_dir)
        try:
            runner = Runner(loaded, db, progress=progress) if progress else Runner(loaded, db)
            return runner.start("nightly")
        finally:
            db.dispose()


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
    site = Site(tmp_path / "site", own_slapd, base, _people(total), batch_size=batch)
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
    people = {dn: n for dn, n in adds.items() if dn.startswith("employeenumber=per-")}
    # (An add whose result slapd never logged, being killed, is not counted; none may count twice.)
    assert len(people) >= total - 1 and max(people.values()) == 1, "a person was added twice"


def _applied(slapd: Slapd) -> list[str]:
    """Persons the server had answered an ADD for before it died (from its log, while it is down)."""
    return [dn for (op, dn), n in slapd.operations().items() if op == "ADD" and dn.startswith("employeenumber=per-")]


def test_a_hand_edit_is_put_back_by_the_next_run_that_writes_the_entry(
    slapd: Slapd, base_dn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDUSYNC_TEST_LDAP_PASSWORD", slapd.password)
    people = _people(3)
    site = Site(tmp_path / "site", slapd, base_dn, people)
    assert site.run().status == "done"
    found = slapd.ldap("ldapsearch", "", "-b", base_dn, "-LLL", "(eduPersonPrincipalName=elev1@example.no)", "dn")
    dn = found.split("dn: ", 1)[1].split("\n", 1)[0]
    # Someone edits the catalogue by hand: two managed values and one edusync does not manage.
    modify_by_hand(slapd, dn, "displayName", "Endret for hånd")
    modify_by_hand(slapd, dn, "eduPersonAffiliation", "employee")
    modify_by_hand(slapd, dn, "title", "Tillitsvalgt")
    before = len(slapd.modified_attributes(dn))

    # Night two: the source changes the pupil's mobile number; the run writes the entry again.
    (site.folder / "data" / "persons.csv").write_text(people.replace("+4790000001", "+4799999999"), encoding="utf-8")
    second = site.run()
    assert second.status == "done" and not second.report.errors, second.report.errors
    entry = read(slapd, dn)
    assert entry is not None
    assert entry["mobile"] == ["+4799999999"]
    assert entry["displayname"] == ["Elev Nummer 1"]  # put back
    assert entry["edupersonaffiliation"] == ["student"]  # put back
    assert entry["title"] == ["Tillitsvalgt"]  # not edusync's to manage: left alone
    # One modify that touches exactly what differed from the live entry.
    assert slapd.modified_attributes(dn)[before:] == [{"mobile", "displayname", "edupersonaffiliation"}]
