"""Revert on the other target kinds, each real: pifu-xml files read back by the PIFU reader, and LDAP
against a real slapd. A run deletes 30 % of a school; the revert puts back exactly what was there."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edusync.config.loader import load_config
from edusync.connectors.pifu import PifuConnector, PifuSettings
from edusync.pipeline.gate import approvals
from edusync.pipeline.run import Runner, RunOutcome
from edusync.sandbox.imses import create_app as imses_app
from edusync.sandbox.serving import serve_in_thread
from edusync.services import revert as reverting
from edusync.storage import Database, open_database
from edusync.testing.slapd import Slapd
from tests.connectors.imses.conftest import PASSWORD as IMSES_PASSWORD
from tests.connectors.imses.conftest import USERNAME as IMSES_USER
from tests.connectors.imses.conftest import Site as ImsesSite
from tests.connectors.imses.test_pipeline import Night
from tests.connectors.ldap.conftest import _need_slapd
from tests.connectors.ldap.site import Site as LdapSite
from tests.connectors.ldap.site import people
from tests.exams.conftest import Cycle
from tests.itslearning.conftest import Itslearning
from tests.pipeline.reverting.helpers import delete_30_percent, recorded
from tests.pipeline.test_fault_matrix import _canon, _subtree, _wiseflow_content


def _revert(loaded: Any, db: Database, run_id: int, target: str, **kw: Any) -> RunOutcome:
    [plan] = reverting.preview(db, run_id, target)
    assert not plan["refused"]
    outcome = reverting.revert(loaded, db, run_id, target=target, expect=plan["hash"][:12], **kw)
    if outcome.status == "blocked":  # the target's thresholds judge the undo like any change set
        assert outcome.block is not None and outcome.block["hash"] == plan["hash"]
        approvals.approve(db, outcome.run_id, "rektor@fylke.no", expect=plan["hash"])
        outcome = Runner(loaded, db).resume(outcome.run_id)
    assert outcome.status == "done", (outcome.report.errors, outcome.block)
    return outcome


# -- pifu-xml ------------------------------------------------------------------------------------


@pytest.fixture
def itslearning(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Itslearning]:
    monkeypatch.setenv("EDUSYNC_DATABASE_URL", database_url)
    ws = Itslearning(tmp_path / "ws")
    yield ws
    ws.close()


def _pifu_content(ws: Itslearning) -> dict[str, list[tuple[str, bytes]]]:
    """What the published PIFU files hold together (the full file, then every delta), as the reader reads it."""
    reader = PifuConnector("read", PifuSettings(input=ws.out), ws.folder)
    return {
        t.name: sorted((r.anchor, _canon(r.attrs)) for r in reader.import_objects(t.name))
        for t in reader.object_types()
    }


def test_pifu_xml_is_put_back_as_it_was(itslearning: Itslearning) -> None:
    ws = itslearning
    ws.run()
    before, content = recorded(ws, "itslearning"), _pifu_content(ws)
    run_id, _ = delete_30_percent(ws)
    assert _pifu_content(ws) != content
    files = len(ws.files())
    _revert(ws.loaded, ws.db, run_id, "itslearning", hold=True)
    assert len(ws.files()) == files + 1, "the undo is one more delta file"
    ws.last_file()  # valid against the XSD
    assert recorded(ws, "itslearning") == before
    assert _pifu_content(ws) == content
    nxt = ws.run(day=2)
    assert nxt.status == "done" and len(ws.files()) == files + 1, "held: the next run sends nothing"


# -- ldap (slapd) --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    _need_slapd()
    with Slapd(tmp_path_factory.mktemp("slapd")) as server:
        yield server


_bases = iter(range(1, 10_000))


def _approved(site: LdapSite, outcome: RunOutcome) -> RunOutcome:
    """Approve each block (the input check's, then the threshold's) until the run ends."""
    while outcome.status == "blocked":
        outcome = site.approve(outcome)
    return outcome


def _people(entries: list[tuple[str, bytes]]) -> int:
    return sum(1 for dn, _ in entries if dn.startswith("employeenumber="))


def test_ldap_is_put_back_as_it_was(
    tmp_path: Path, slapd: Slapd, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDUSYNC_DATABASE_URL", database_url)
    monkeypatch.setenv("EDUSYNC_TEST_LDAP_PASSWORD", slapd.password)
    base = f"ou=revert{next(_bases)},{slapd.suffix}"
    slapd.add_container(base)
    everyone = people(40)
    site = LdapSite(tmp_path, slapd, base, everyone, batch_size=10)
    assert site.run().status == "done"
    entries = _subtree(slapd, base)
    assert _people(entries) == 40
    lines = everyone.splitlines(keepends=True)
    site.write("".join(lines[:1] + lines[1 + 12 :]))  # 12 of the 40 pupils (30 %) leave
    deleted = _approved(site, site.run())
    assert deleted.status == "done", deleted.report.errors
    gone = _subtree(slapd, base)
    assert gone != entries
    loaded = load_config(tmp_path / "edusync.yaml")
    db = open_database(loaded.config.storage.url, loaded.base_dir)
    try:
        _revert(loaded, db, deleted.run_id, "feide", hold=True)
        assert _subtree(slapd, base) == entries, "every entry back, with the attributes it had"
        assert site.run().status == "done"
        assert _subtree(slapd, base) == entries, "held: the next run does not delete them again"
        assert reverting.release(db, "ops@example.no", every=True) == 12
        again = _approved(site, site.run())
        assert again.status == "done", again.report.errors
        assert _subtree(slapd, base) == gone, "released: the next run deletes them again"
    finally:
        db.dispose()


# -- imses (itslearning's SOAP services, its sandbox over HTTP) ----------------------------------


@pytest.fixture
def imses_site() -> Iterator[ImsesSite]:
    with serve_in_thread(imses_app(username=IMSES_USER, password=IMSES_PASSWORD, site="fylke")) as url:
        yield ImsesSite(url)


def test_imses_is_put_back_as_it_was(
    tmp_path: Path, imses_site: ImsesSite, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDUSYNC_DATABASE_URL", database_url)
    monkeypatch.setenv("EDUSYNC_TEST_IMSES_PASSWORD", IMSES_PASSWORD)
    night = Night(tmp_path, imses_site.endpoint)
    assert night.run().status == "done"

    def content() -> dict[str, Any]:
        # "calls" and "restored" count what was done to get there, not what the site holds.
        return {k: v for k, v in imses_site.summary().items() if k not in ("calls", "restored")}

    before = content()
    # One of the school's three pupils (and her class membership) leaves: she goes to itslearning's trash.
    night.files["persons"] = night.files["persons"].replace("p3,Kari,Berg,kari@fylke.no,student\n", "")
    night.files["memberships"] = night.files["memberships"].replace("m4,p3,K1,student\n", "")
    deleted = night.run()
    assert deleted.status == "done", deleted.report.errors
    assert len(imses_site.summary()["trash"]) == 1
    loaded = load_config(night.config)
    db = open_database(loaded.config.storage.url, loaded.base_dir)
    try:
        _revert(loaded, db, deleted.run_id, "itslearning", hold=True)
        assert content() == before, "restored from the trash, the membership made again"
        assert night.run().status == "done"
        assert content() == before, "held: the next run leaves them"
    finally:
        db.dispose()


# -- wiseflow (exam flows from FS; both sandboxes over HTTP) -------------------------------------


def test_wiseflow_is_put_back_as_it_was(make_cycle: Callable[[str | None], Cycle], database_url: str) -> None:
    cycle = make_cycle(database_url)
    assert cycle.sync().exit_code == 0
    before = _wiseflow_content(cycle.store)
    # 30 % of the main exam's candidates withdraw in FS: WISEflow deactivates them.
    exam = cycle.university.exams[cycle.university.scenario.exam_main]
    candidates = list(exam.kandidater())
    leavers = candidates[: max(1, int(len(candidates) * 0.3))]
    for gruppe in exam.vurderingsgrupper:
        gruppe.kandidater = [k for k in gruppe.kandidater if k not in leavers]
    withdrawn = cycle.sync()
    run = withdrawn.run
    while run.status == "blocked":
        assert run.block is not None
        approvals.approve(cycle.db, run.run_id, "eksamen@uni.no", expect=run.block["hash"])
        run = Runner(cycle.loaded, cycle.db).resume(run.run_id)
    assert run.status == "done", run.report.errors
    assert _wiseflow_content(cycle.store) != before
    _revert(cycle.loaded, cycle.db, run.run_id, "wiseflow", hold=True)
    assert _wiseflow_content(cycle.store) == before, "the candidates are active again, as they were"
