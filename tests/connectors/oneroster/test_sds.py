"""The sds-csv target: the files, headers and value forms of Microsoft's SDS v2.1 sample set."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

from edusync.connectors.sds import check as sds_check
from edusync.connectors.sds.connector import HEADERS
from edusync.model.records import Op
from tests.connectors.oneroster.conftest import FNR, SDS_SAMPLE, Ids, rows, school, sds, send

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def sample(file: str) -> list[dict[str, str]]:
    with (SDS_SAMPLE / file).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_microsofts_sample_passes_the_projects_sds_rules() -> None:
    assert sds_check.check_package(SDS_SAMPLE) == []


def test_headers_match_the_sample_set(tmp_path: Path) -> None:
    package = send(sds(tmp_path), 1, school(Ids()))
    assert package is not None
    with zipfile.ZipFile(package) as zf:
        names = sorted(zf.namelist())
        assert names == sorted(HEADERS)
        for name in names:
            ours = zf.read(name).decode("utf-8").split("\r\n", 1)[0]
            theirs = (SDS_SAMPLE / name).read_text(encoding="utf-8").split("\n", 1)[0].rstrip("\r")
            assert ours == theirs, f"{name}: the header differs from Microsoft's sample"


def test_values_take_the_samples_forms(tmp_path: Path) -> None:
    package = send(sds(tmp_path), 1, school(Ids()))
    assert package is not None
    ours, theirs = rows(package, "roles.csv"), sample("roles.csv")
    assert {r["isPrimary"] for r in ours} <= {r["isPrimary"] for r in theirs} == {"TRUE", "FALSE"}
    assert {r["role"] for r in ours} == {"student", "teacher"}, "a guardian has no role at the school in SDS"
    sessions = rows(package, "academicSessions.csv")
    assert all(DATE.fullmatch(s["startDate"]) and DATE.fullmatch(s["endDate"]) for s in sessions)
    assert all(DATE.fullmatch(s["startDate"]) for s in sample("academicSessions.csv"))
    assert [s["type"] for s in sessions] == ["schoolYear"] and sessions[0]["schoolYear"] == "2027"
    classes = {r["sourcedId"]: r for r in rows(package, "classes.csv")}
    assert set(classes) == {"g-1a", "g-matte"}, "Teams gets a class for each basisgruppe and undervisningsgruppe"
    assert classes["g-1a"]["orgSourcedId"] == "org-skole" and classes["g-1a"]["sessionSourcedIds"] == "2026-2027"
    assert rows(package, "relationships.csv") == [
        {"userSourcedId": "p-elev1", "relationshipUserSourcedId": "p-foresatt", "relationshipRole": "guardian"}
    ]
    assert {r["type"] for r in rows(package, "orgs.csv")} == {"district", "school"}
    with zipfile.ZipFile(package) as zf:
        assert all(FNR.encode() not in zf.read(n) for n in zf.namelist()), "no fødselsnummer goes to SDS"


def test_every_package_is_the_whole_set_and_a_deleted_user_leaves_it(tmp_path: Path) -> None:
    conn, ids = sds(tmp_path), Ids()
    send(conn, 1, school(ids))
    second = send(conn, 2, [ids("person", "p-elev2", Op.DELETE), ids("membership", "m2", Op.DELETE)])
    assert second is not None and second.name.endswith("-bulk.zip"), "SDS takes whole sets only"
    assert {r["sourcedId"] for r in rows(second, "users.csv")} == {"p-laerer", "p-foresatt", "p-elev1"}
    assert {(r["classSourcedId"], r["userSourcedId"]) for r in rows(second, "enrollments.csv")} == {
        ("g-1a", "p-elev1"),
        ("g-1a", "p-laerer"),
        ("g-matte", "p-elev1"),
    }
    assert len(rows(second, "orgs.csv")) == 2, "what did not change is in the package again"
    assert send(conn, 3, []) is None, "a change set without changes writes no package: the last one still holds"
