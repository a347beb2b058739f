"""The oneroster-csv target: complete bulk packages, deltas against what was sent, atomic publish, national ids."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from edusync.connectors.oneroster import render
from edusync.errors import RetriableError
from edusync.model import fnr
from edusync.model.records import Op
from tests.connectors.oneroster.conftest import FNR, Ids, oneroster, rows, school, send


def test_a_bulk_package_holds_every_file_the_binding_needs(tmp_path: Path) -> None:
    package = send(oneroster(tmp_path), 1, school(Ids()))
    assert package is not None and package.name == "roster-run000001-cs1-bulk.zip"
    with zipfile.ZipFile(package) as zf:
        assert sorted(zf.namelist()) == sorted(["manifest.csv", *render.HEADERS])
    manifest = {r["propertyName"]: r["value"] for r in rows(package, "manifest.csv")}
    assert manifest["oneroster.version"] == "1.2" and manifest["file.users"] == "bulk"
    assert manifest["file.demographics"] == "absent"
    users = {r["sourcedId"]: r for r in rows(package, "users.csv")}
    assert users["p-laerer"]["username"] == "per@fylke.no" and users["p-laerer"]["primaryOrgSourcedId"] == "org-skole"
    assert users["p-elev1"]["agentSourcedIds"] == "p-foresatt"
    roles = {r["sourcedId"]: r for r in rows(package, "roles.csv")}
    assert roles["p-laerer-org-skole"]["role"] == "teacher" and roles["p-laerer-org-skole"]["roleType"] == "primary"
    assert roles["p-foresatt-org-skole"]["role"] == "guardian"
    enrollments = {r["sourcedId"]: r for r in rows(package, "enrollments.csv")}
    assert enrollments["m3"]["schoolSourcedId"] == "org-skole" and enrollments["m3"]["role"] == "teacher"
    orgs = {r["sourcedId"]: r for r in rows(package, "orgs.csv")}
    assert orgs["org-fylke"]["type"] == "district" and orgs["org-skole"]["identifier"] == "12345"
    sessions = rows(package, "academicSessions.csv")
    assert [(s["sourcedId"], s["startDate"], s["endDate"]) for s in sessions] == [
        ("2026-2027", "2026-08-01", "2027-07-31")
    ]
    raw = zipfile.ZipFile(package).read("users.csv")
    assert raw.count(b"\r\n") == len(users) + 1 and not raw.startswith(b"\xef\xbb\xbf"), "CRLF, UTF-8 without BOM"


def test_a_delta_says_only_what_changed_and_marks_what_is_gone(tmp_path: Path) -> None:
    conn, ids = oneroster(tmp_path), Ids()
    send(conn, 1, school(ids))
    delta = send(conn, 2, [
        ids("person", "p-elev2", Op.DELETE),
        ids("membership", "m2", Op.DELETE),
        ids("group", "g-matte", Op.UPDATE, name="Matematikk 1B", groupType="undervisningsgruppe", school="org-skole"),
    ])  # fmt: skip
    assert delta is not None and delta.name.endswith("-delta.zip")
    manifest = {r["propertyName"]: r["value"] for r in rows(delta, "manifest.csv")}
    assert manifest["file.users"] == "delta"
    assert [(r["sourcedId"], r["status"]) for r in rows(delta, "users.csv")] == [("p-elev2", "tobedeleted")]
    assert [(r["sourcedId"], r["status"]) for r in rows(delta, "roles.csv")] == [("p-elev2-org-skole", "tobedeleted")]
    assert [(r["sourcedId"], r["status"]) for r in rows(delta, "enrollments.csv")] == [("m2", "tobedeleted")]
    assert [(r["sourcedId"], r["title"]) for r in rows(delta, "classes.csv")] == [("g-matte", "Matematikk 1B")]
    assert rows(delta, "orgs.csv") == []
    assert send(conn, 3, []) is None, "an empty delta writes no package"
    bulk = send(oneroster(tmp_path, mode="bulk"), 4, [])
    assert bulk is not None
    assert "p-elev2" not in {r["sourcedId"] for r in rows(bulk, "users.csv")}, "a bulk package leaves the gone out"
    assert {r["sourcedId"] for r in rows(bulk, "enrollments.csv")} == {"m1", "m3", "m4"}


def test_a_soft_deleted_person_can_stay_disabled(tmp_path: Path) -> None:
    conn, ids = oneroster(tmp_path, mode="bulk", soft_delete="disable"), Ids()
    send(conn, 1, school(ids))
    gone = ids("person", "p-elev2", Op.DELETE)
    gone.soft = True
    package = send(conn, 2, [gone])
    assert package is not None
    assert {r["sourcedId"]: r["enabledUser"] for r in rows(package, "users.csv")}["p-elev2"] == "false"


def test_no_fodselsnummer_is_sent_unless_configured(tmp_path: Path) -> None:
    conn, ids = oneroster(tmp_path), Ids()
    changes = school(ids)
    changes.append(ids("person", "p-x", givenName="X", familyName="Y", username="x", identifier=FNR, role="student",
                       school="org-skole"))  # fmt: skip
    package = send(conn, 1, changes)
    assert package is not None
    with zipfile.ZipFile(package) as zf:
        assert all(FNR.encode() not in zf.read(n) for n in zf.namelist())
    assert any("person p-x: identifier left out" in w and fnr.mask(FNR) in w for w in conn.warnings)
    assert not any(FNR in w for w in conn.warnings), "the warning shows it masked"
    conn.close()
    allowed = send(oneroster(tmp_path / "b", national_id="userIds:FNR"), 1, school(Ids()))
    assert allowed is not None
    users = {r["sourcedId"]: r for r in rows(allowed, "users.csv")}
    assert users["p-elev1"]["userIds"] == f"{{FNR:{FNR}}},{{Feide:ase@fylke.no}}"


def test_a_change_the_package_cannot_carry_fails_alone(tmp_path: Path) -> None:
    conn, ids = oneroster(tmp_path), Ids()
    conn.begin_export(1, 1)
    bad = [
        ids("person", "nobody", givenName="No", username="no"),
        ids("group", "g", name="G"),
        ids("person", "odd", givenName="A", familyName="B", username="ab", role="vaktmester", school="s"),
    ]
    results = {r.change_id: r for r in conn.export([*bad, *school(ids)])}
    assert "familyName" in (results[1].error or "") and "school" in (results[2].error or "")
    assert "'vaktmester' has no mapping" in (results[3].error or "")
    dated = conn.export([ids("membership", "mx", person="p-elev1", group="g-1a", role="student", begin=FNR)])
    assert FNR not in (dated[0].error or "x") and fnr.mask(FNR) in (dated[0].error or ""), "masked in the error"
    assert all(r.ok for i, r in results.items() if i > 3)
    conn.finish_export()


def test_a_publish_that_fails_leaves_nothing_and_the_retry_publishes_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from edusync.connectors.pifu import published

    conn, ids = oneroster(tmp_path), Ids()
    conn.begin_export(1, 1)
    conn.export(school(ids))

    def broken(*_: object) -> None:
        raise RetriableError("disk went away")

    monkeypatch.setattr(published, "publish", broken)
    with pytest.raises(RetriableError):
        conn.finish_export()
    assert list((tmp_path / "out").glob("*.zip")) == [] and not list((tmp_path / "out").glob(".*.tmp"))
    monkeypatch.undo()
    conn.begin_export(1, 1)
    assert conn.confirm(school(Ids())) == {c.id for c in school(Ids())}, "the changes are still recorded"
    conn.finish_export()
    conn.begin_export(1, 1)
    conn.finish_export()  # a resumed run: the change set is out already
    assert [p.name for p in (tmp_path / "out").glob("*.zip")] == ["roster-run000001-cs1-bulk.zip"]


def test_packages_are_delivered_whole_over_sftp(tmp_path: Path) -> None:
    from tests.connectors.pifu.sftp_server import PASSWORD, USER, sftp_server

    remote = tmp_path / "remote"
    (remote / "incoming").mkdir(parents=True)
    with sftp_server(remote) as server:
        sftp = {"sftp_host": "127.0.0.1", "sftp_port": server.port, "sftp_username": USER, "sftp_password": PASSWORD,
                "sftp_host_key": server.host_key, "sftp_dir": "/incoming", "sftp_timeout": 10}  # fmt: skip
        conn, ids = oneroster(tmp_path, **sftp), Ids()
        first = send(conn, 1, school(ids))
        second = send(conn, 2, [ids("person", "p-elev2", Op.DELETE)])
        conn.close()
    delivered = sorted((remote / "incoming").iterdir())
    assert [p.name for p in delivered] == ["roster-run000001-cs1-bulk.zip", "roster-run000002-cs2-delta.zip"]
    assert first is not None and second is not None
    assert [p.read_bytes() for p in delivered] == [first.read_bytes(), second.read_bytes()], "no .part file is left"


def test_an_unreachable_sftp_server_publishes_nothing_and_keeps_the_changes(tmp_path: Path) -> None:
    from edusync.sandbox.serving import free_port

    sftp = {"sftp_host": "127.0.0.1", "sftp_port": free_port(), "sftp_username": "u", "sftp_password": "p",
            "sftp_host_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
            "sftp_timeout": 2}  # fmt: skip
    conn = oneroster(tmp_path, **sftp)
    conn.begin_export(1, 1)
    changes = school(Ids())
    conn.export(changes)
    with pytest.raises(RetriableError, match=r"sftp 127\.0\.0\.1"):
        conn.finish_export()
    assert list((tmp_path / "out").glob("*.zip")) == []
    assert conn.confirm(changes) == {c.id for c in changes}, "the next attempt sends them with the package"
