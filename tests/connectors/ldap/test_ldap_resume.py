"""A catalogue that disappears mid-export: retriable failures, then a clean resume with nothing done twice."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter

import pytest

from edusync.errors import RetriableError
from edusync.model.records import Change, Op
from edusync.testing.slapd import Slapd
from tests.connectors.ldap.conftest import MakeConnector, connector_for
from tests.connectors.ldap.helpers import PUPIL, change, read


def _pupils(n: int, start: int = 0) -> list[Change]:
    return [
        change("person", f"per-{i:03d}", **{**PUPIL, "displayName": f"Elev {i}", "mail": f"e{i}@example.no"})
        for i in range(start, start + n)
    ]


def _requests(server: Slapd) -> list[str]:
    """DNs of the person ADD requests the server has received so far (carried out or not)."""
    return re.findall(r'ADD dn="(employeeNumber=per-[^"]*)"', server.log_path.read_text(errors="replace"))


def _adds(server: Slapd) -> Counter[str]:
    return Counter(dn for (op, dn), n in server.operations().items() for _ in range(n) if op == "ADD")


def test_slapd_killed_mid_export_then_the_run_resumes_without_repeats(own_slapd: Slapd) -> None:
    base = f"ou=kill,{own_slapd.suffix}"
    own_slapd.add_container(base)
    connector = connector_for(own_slapd, base)
    first, second = _pupils(20), _pupils(120, start=20)
    assert all(r.ok for r in connector.export(first))

    # Kill the server while the second batch is being written.
    def killer() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if len(_requests(own_slapd)) >= 40:
                own_slapd.kill()
                return
            time.sleep(0.002)

    thread = threading.Thread(target=killer)
    thread.start()
    results = connector.export(second)
    thread.join()
    assert len(results) == len(second)
    failed = [r for r in results if not r.ok]
    assert failed, "the kill landed before the batch was done"
    assert all(r.retriable for r in failed)
    assert all("stopped answering" in (r.error or "") or "cannot be reached" in (r.error or "") for r in failed)
    assert own_slapd.url in (failed[0].error or "")

    # The next run: slapd is back (same data), the engine asks which in-flight changes are applied.
    own_slapd.start()
    done = connector.confirm(second)
    assert {r.change_id for r in results if r.ok} <= done
    rest = [c for c in second if c.id not in done]
    assert rest and all(r.ok for r in connector.export(rest))
    assert connector.confirm(second) == {c.id for c in second}

    adds = _adds(own_slapd)
    for c in first + second:
        dn = f"employeenumber={c.key},ou=people,{base}".lower()
        assert adds[dn] <= 1, f"{c.key} added {adds[dn]} times"
        assert read(own_slapd, dn) is not None, f"{c.key} is missing"
    connector.close()


def test_server_gone_between_batches_fails_the_batch_as_retriable(own_slapd: Slapd) -> None:
    base = f"ou=gone,{own_slapd.suffix}"
    own_slapd.add_container(base)
    connector = connector_for(own_slapd, base)
    assert all(r.ok for r in connector.export(_pupils(3)))
    own_slapd.kill()
    # The exporter turns this into retriable failures of the whole batch.
    with pytest.raises(RetriableError, match=r"stopped answering|cannot be reached"):
        connector.export(_pupils(3, start=3))
    own_slapd.start()
    assert all(r.ok for r in connector.export(_pupils(3, start=3)))
    connector.close()


def test_confirm_reads_back_across_pages(slapd: Slapd, base_dn: str, make_connector: MakeConnector) -> None:
    connector = make_connector(page_size=7)
    changes = _pupils(30)
    assert all(r.ok for r in connector.export(changes))
    later = [change("person", c.key, Op.UPDATE, **{**c.attrs, "mail": "changed@example.no"}) for c in changes[:5]]
    assert connector.confirm(changes) == {c.id for c in changes}
    assert connector.confirm(later) == set()
    pages = [
        line for line in slapd.log_path.read_text().splitlines() if "SEARCH RESULT" in line and "nentries=7" in line
    ]
    assert len(pages) >= 4, "30 entries at 7 a page come back in several pages"
