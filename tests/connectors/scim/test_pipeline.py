"""Whole runs through the engine: files in, a SCIM service (scim2-server) out, night by night."""

from __future__ import annotations

import threading
from pathlib import Path

from edusync.sandbox.scim import ScimServer
from tests.connectors.scim.site import MEMBERSHIPS, PERSONS, Site, held


def test_nights_provision_deactivate_restore_and_rename(server: ScimServer, tmp_path: Path) -> None:
    site = Site(tmp_path, server.url)
    first = site.run()
    assert first.status == "done" and not first.report.errors, first.report.errors
    state = held(server)
    assert sum(k.startswith("User/") for k in state) == 5 and sum(k.startswith("Group/") for k in state) == 3
    ase = next(v for k, v in state.items() if k.startswith("User/") and v["userName"] == "ase@fylke.no")
    assert ase["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] == {
        "employeeNumber": "E1", "organization": "Vestfold fylkeskommune"}  # fmt: skip
    assert "01010012356" not in str(state), "the national id is in the metaverse, never sent"
    k1 = next(v for k, v in state.items() if k.startswith("Group/") and v["displayName"] == "1STA")
    assert len(k1["members"]) == 3

    # Night two: Kari leaves: deactivated, and out of her class.
    site.files["persons"] = PERSONS.replace("p3,Kari,Berg,kari@fylke.no,,E3,student,\n", "")
    site.files["memberships"] = MEMBERSHIPS.replace("m3,p3,K1,student\n", "")
    second = site.run()
    assert second.status == "done" and not second.report.errors, second.report.errors
    kari = next(v for v in server.by_external_id("User").values() if v["userName"] == "kari@fylke.no")
    assert kari["active"] is False
    k1 = next(v for v in held(server).values() if v.get("displayName") == "1STA")
    assert len(k1["members"]) == 2

    # Night three: Kari is back and 1STA is renamed: she is active again, the group is patched, not replaced.
    site.files = {**site.files, "persons": PERSONS, "memberships": MEMBERSHIPS,
                  "groups": site.files["groups"].replace("1STA", "1STA-21")}  # fmt: skip
    patches = server.controls.counts.get("PATCH /Groups/{id}", 0) + server.controls.counts.get("POST /Bulk", 0)
    third = site.run()
    assert third.status == "done" and not third.report.errors, third.report.errors
    kari = next(v for v in server.by_external_id("User").values() if v["userName"] == "kari@fylke.no")
    assert kari["active"] is True
    k1 = next(v for v in held(server).values() if v.get("displayName") == "1STA-21")
    assert len(k1["members"]) == 3
    assert server.controls.counts.get("PATCH /Groups/{id}", 0) + server.controls.counts["POST /Bulk"] > patches
    assert "PUT /Groups/{id}" not in server.controls.counts


def test_a_service_restarted_in_the_middle_of_an_export_gets_the_rest_and_nothing_twice(tmp_path: Path) -> None:
    with ScimServer() as clean_server:
        assert Site(tmp_path / "clean", clean_server.url, batch_size=3, bulk=False).run().status == "done"
        clean = held(clean_server)
    with ScimServer() as server:
        site = Site(tmp_path / "faulty", server.url, batch_size=3, bulk=False)
        server.controls.hang_after_writes = 4  # the fifth write is carried out, and its answer never comes

        def restart_when_hung() -> None:
            if server.controls.hung.wait(30):
                server.restart()  # same port, same resources, as a restarted service

        restarter = threading.Thread(target=restart_when_hung)
        restarter.start()
        first = site.run()
        restarter.join()
        assert first.report.errors, "the lost answer failed its change (and the rest of its batch)"
        second = site.run()
        assert second.status == "done" and not second.report.errors, second.report.errors
        assert held(server) == clean
        assert server.controls.counts["POST /Users"] == 5, "each user created once: the lost one was found"
        assert server.controls.counts["POST /Groups"] == 3
