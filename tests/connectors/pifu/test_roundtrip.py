"""What the target writes, the source reads back: the same objects with the same attributes."""

from __future__ import annotations

from pathlib import Path

from edusync.connectors.pifu import PifuConnector, PifuSettings
from edusync.model.records import Op
from tests.connectors.pifu.builders import change, county, klasse, pupil
from tests.connectors.pifu.conftest import make


def picture(folder: Path) -> dict[str, dict[str, dict[str, object]]]:
    src = PifuConnector("back", PifuSettings(input=folder), folder)
    return {
        t: {r.anchor: r.attrs for r in src.import_objects(t)} for t in ("person", "organisation", "group", "membership")
    }


def test_a_full_file_reads_back_into_what_was_written(tmp_path: Path) -> None:
    target = make(tmp_path)
    target.begin_export(1, 1)
    target.export(county())
    target.finish_export()
    target.close()
    back = picture(tmp_path / "out")
    assert back["person"]["per-1"] == {
        "id": "per-1",
        "nin": "01020312345",
        "feide": "per-1@fylke.no",
        "fullName": "Åse Ødegård",
        "givenName": "Åse",
        "familyName": "Ødegård",
        "birthDate": "2009-02-01",
        "email": "ase@skole.no",
        "mobile": "+4799900099",
    }
    assert back["person"]["per-9"]["employeeId"] == "4711"
    assert back["organisation"]["org-skole"] == {
        "id": "org-skole",
        "name": "Måneflekken skole",
        "scheme": "pifu-ims-go-org",
        "groupType": "skole",
        "parent": "org-fylke",
        "parentName": "Måne fylkeskommune",
        "schoolType": "videregående",
    }
    assert back["organisation"]["org-fylke"]["organizationNumber"] == "9"
    assert back["group"]["grp-mat"]["adminPeriod"] == "H2025"
    assert back["group"]["grp-7a"]["start"] == "2025-08-18"
    assert set(back["membership"]) == {
        "grp-7a|per-1|01",
        "grp-7a|per-2|01",
        "grp-7a|per-9|02",
        "grp-mat|per-1|01",
        "org-skole|per-9|05",
    }
    assert back["membership"]["grp-7a|per-9|02"]["subrole"] == "faglærer"
    assert back["membership"]["grp-mat|per-1|01"]["end"] == "2025-12-20"


def test_full_then_deltas_read_back_as_the_current_picture(tmp_path: Path) -> None:
    """The source applies the target's delta files to its full file: the same picture as a new full file."""
    target = make(tmp_path)
    nights = [
        county(),
        [klasse("grp-7a", "7B", op=Op.UPDATE), pupil("per-4", "Ny", "Elev"), change("person", "per-2", Op.DELETE)],
        [change("membership", "mem-2", Op.DELETE), pupil("per-4", "Ny", "Elevsen", op=Op.UPDATE)],
    ]
    for n, night in enumerate(nights, start=1):
        target.begin_export(n, n)
        target.export(night)
        target.finish_export()
    target.close()
    from_deltas = picture(tmp_path / "out")
    full = make(tmp_path, mode="full")
    full.begin_export(9, 9)
    full.finish_export()
    full.close()
    (tmp_path / "only-full").mkdir()
    newest = sorted((tmp_path / "out").glob("*-full.xml"))[-1]
    newest.rename(tmp_path / "only-full" / newest.name)
    assert from_deltas == picture(tmp_path / "only-full")
    assert from_deltas["group"]["grp-7a"]["name"] == "7B"
    assert "per-2" not in from_deltas["person"] and from_deltas["person"]["per-4"]["familyName"] == "Elevsen"
