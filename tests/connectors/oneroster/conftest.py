"""OneRoster and SDS targets and sources; every package a test writes is checked against the project's tables."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edusync.connectors.oneroster import OneRosterConnector, OneRosterSettings
from edusync.connectors.oneroster import check as oneroster_check
from edusync.connectors.sds import SdsConnector, SdsSettings
from edusync.connectors.sds import check as sds_check
from edusync.model import fnr
from edusync.model.records import Change, Op

FIXTURES = Path(__file__).parents[2] / "fixtures"
CATALYST = FIXTURES / "oneroster" / "catalyst"
OAT = FIXTURES / "oneroster" / "oat" / "OneRosterv1p1BaseCSV"
SDS_SAMPLE = FIXTURES / "sds" / "SDS-v2.1"
TODAY = dt.date(2026, 10, 5)
#: A valid fødselsnummer (made up, checksums right).
FNR = fnr.generate(dt.date(2010, 3, 4), __import__("random").Random(3))


@pytest.fixture(autouse=True)
def every_package_is_valid(tmp_path: Path) -> Iterator[None]:
    """After each test, every zip a target wrote is judged by the binding (strictly: exact headers, no dangling)."""
    yield
    for state in tmp_path.rglob(".*-state.sqlite"):
        checker = sds_check if state.name.endswith(".sds-state.sqlite") else oneroster_check
        for package in state.parent.glob("*.zip"):
            problems = checker.check_package(package)
            assert problems == [], f"{package.name}:\n" + "\n".join(map(str, problems))


def rows(package: Path, file: str) -> list[dict[str, str]]:
    import csv
    import io

    with zipfile.ZipFile(package) as zf:
        text = zf.read(file).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


class Ids:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, object_type: str, key: str, op: Op = Op.ADD, **attrs: Any) -> Change:
        self.n += 1
        return Change(id=self.n, object_type=object_type, key=key, op=op, attrs=attrs, hash=f"h{self.n}")


def school(ids: Ids) -> list[Change]:
    """A county, a school, a teacher and two pupils (one with a guardian), a base group and a teaching group."""
    return [
        ids("organisation", "org-fylke", name="Fylket", type="skoleeier"),
        ids("organisation", "org-skole", name="Bø skole", type="skole", parent="org-fylke", schoolNumber="12345"),
        ids("person", "p-laerer", givenName="Per", familyName="Lærer", feide="per@fylke.no", role="teacher",
            school="org-skole", email="per@skole.no"),
        ids("person", "p-foresatt", givenName="Fia", familyName="Foresatt", username="fia", role="guardian",
            school="org-skole"),
        ids("person", "p-elev1", givenName="Åse", familyName="Ødegård", feide="ase@fylke.no", role="student",
            school="org-skole", nin=FNR, guardians=["p-foresatt"]),
        ids("person", "p-elev2", givenName="Ola", familyName="Nordmann", feide="ola@fylke.no", role="student",
            school="org-skole"),
        ids("group", "g-1a", name="1A", groupType="basisgruppe", school="org-skole"),
        ids("group", "g-matte", name="Matematikk 1A", groupType="undervisningsgruppe", school="org-skole",
            start="2026-08-17"),
        ids("membership", "m1", person="p-elev1", group="g-1a", role="student"),
        ids("membership", "m2", person="p-elev2", group="g-1a", role="student"),
        ids("membership", "m3", person="p-laerer", group="g-1a", role="teacher"),
        ids("membership", "m4", person="p-elev1", group="g-matte", role="student", begin="2026-08-17"),
    ]  # fmt: skip


def send(conn: Any, run: int, changes: list[Change]) -> Path | None:
    """One change set through the target as the exporter drives it; the package it published, if any."""
    conn.today = TODAY
    conn.begin_export(run, run)
    results = conn.export(changes)
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    conn.finish_export()
    found = sorted(conn.folder().glob(f"*-run{run:06d}-*.zip"))
    return found[-1] if found else None


def oneroster(tmp_path: Path, **settings: Any) -> OneRosterConnector:
    return OneRosterConnector("roster", OneRosterSettings(output=Path("out"), **settings), tmp_path)


def sds(tmp_path: Path, **settings: Any) -> SdsConnector:
    return SdsConnector("teams", SdsSettings(output=Path("sds"), **settings), tmp_path)
