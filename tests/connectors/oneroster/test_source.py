"""The oneroster-csv source: real-world sample sets (Catalyst, OAT) and files edusync writes itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from edusync.connectors.oneroster import OneRosterConnector, OneRosterSettings
from edusync.errors import SourceError
from tests.connectors.oneroster.conftest import CATALYST, OAT, Ids, oneroster, school, send

TYPES = ("organisation", "academicSession", "course", "group", "person", "membership")


def source(path: Path, tmp_path: Path) -> OneRosterConnector:
    return OneRosterConnector("sis", OneRosterSettings(input=path), tmp_path)


def read(conn: OneRosterConnector, object_type: str) -> dict[str, dict[str, object]]:
    return {r.anchor: r.attrs for r in conn.import_objects(object_type)}


def test_catalyst_bulk_set_maps_every_row(tmp_path: Path) -> None:
    conn = source(CATALYST / "Test_full_data_set.zip", tmp_path)
    users = read(conn, "person")
    assert set(users) == {"usr-222-123456", "usr-222-66778899", "usr-222-1234561", "usr-222-987654",
                          "usr-222-1234561232", "usr-222-567891"}  # fmt: skip
    jim = users["usr-222-987654"]
    assert jim["userIds"] == {"LDAP": "12", "LTI": "15"}, "a quoted {type:id} list"
    assert jim["roles"] == [{"org": "org-sch-222-456", "role": "teacher", "roleType": "primary"}]
    assert jim["school"] == "org-sch-222-456" and jim["enabled"] is True and jim["agents"] == ["usr-222-123456"]
    assert "password" not in jim, "edusync never carries a password"
    classes = read(conn, "group")
    assert list(classes) == ["cls-222-123456"], "the tobedeleted class is gone"
    physics = classes["cls-222-123456"]
    assert physics["grades"] == ["09", "10", "11"] and physics["subjects"] == ["Science", "Physics", "Biology"]
    assert physics["school"] == "org-sch-222-456" and physics["terms"] == ["as-trm-222-1234"]
    enrollments = read(conn, "membership")
    assert enrollments["enr-t-222-12345-123456"] == {
        "id": "enr-t-222-12345-123456", "group": "cls-222-123456", "person": "usr-222-123456",
        "school": "org-sch-222-456", "role": "teacher", "primary": False, "begin": "2022-03-15", "end": "2022-06-15",
    }  # fmt: skip
    orgs = read(conn, "organisation")
    assert orgs["org-sch-222-456"]["parent"] == "org-sch-222-3456"
    sessions = read(conn, "academicSession")
    assert "as-grp-222-23456" not in sessions and sessions["as-trm-222-1234"]["schoolYear"] == "2023"


def test_dangling_references_are_warnings_naming_file_and_line(tmp_path: Path) -> None:
    conn = source(CATALYST / "Test_full_data_set", tmp_path)
    read(conn, "organisation")
    read(conn, "academicSession")
    assert any(w.endswith("orgs.csv:2: column parentSourcedId: 'org-sch-222-3456' is not in orgs.csv")
               for w in conn.warnings), conn.warnings  # fmt: skip
    assert any("academicSessions.csv:3: column parentSourcedId: 'as-syr-222-2023'" in w for w in conn.warnings)
    assert any("academicSessions.csv:5: column dateLastModified: '2023-05-01' is not an ISO 8601 date-time" in w
               for w in conn.warnings), "a date where a date-time belongs is read, and said"  # fmt: skip


def test_a_zip_and_its_folder_read_the_same(tmp_path: Path) -> None:
    zipped, folder = (
        source(CATALYST / "Test_full_data_set.zip", tmp_path),
        source(CATALYST / "Test_full_data_set", tmp_path),
    )
    for t in TYPES:
        assert {r.anchor: (r.fingerprint, r.attrs) for r in zipped.import_objects(t)} == {
            r.anchor: (r.fingerprint, r.attrs) for r in folder.import_objects(t)
        }


def test_the_broken_12_set_is_an_error_naming_file_line_and_column(tmp_path: Path) -> None:
    conn = source(CATALYST / "v1p2_full_dataset", tmp_path)
    with pytest.raises(SourceError, match=r"roles\.csv:1: column dataLastModified: not a column of roles\.csv") as e:
        read(conn, "person")
    assert e.value.fields["line"] == 1 and e.value.fields["column"] == "dataLastModified"


def test_a_header_typo_and_a_bad_date_are_errors(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    shutil.copytree(CATALYST / "v1p2_full_dataset", pkg)
    (pkg / "roles.csv").unlink()
    (pkg / "manifest.csv").write_text(
        (pkg / "manifest.csv").read_text().replace("file.roles,bulk", "file.roles,absent"), newline=""
    )
    conn = source(pkg, tmp_path)
    with pytest.raises(SourceError, match=r"users\.csv:1: column prefferedGivenName: not a column of users\.csv"):
        read(conn, "person")
    users = (pkg / "users.csv").read_text().replace("preffered", "preferred")
    (pkg / "users.csv").write_text(users, newline="")
    with pytest.raises(SourceError, match=r"users\.csv:2: column dateLastModified: '1/05/2023' is not a date-time"):
        read(conn, "person")


def test_oat_messy_set_extension_columns_read_and_unknown_names_refused(tmp_path: Path) -> None:
    conn = source(OAT, tmp_path)
    orgs = read(conn, "organisation")
    assert orgs["12345"] == {"id": "12345", "name": "School 1", "type": "school", "identifier": "my identifier",
                             "parent": "54321"}, "metadata.* and ext_* columns are allowed and not mapped"  # fmt: skip
    assert any("orgs.csv:2: column dateLastModified: '2017-05-06 08:01:05'" in w for w in conn.warnings)
    assert [r.anchor for r in conn.import_objects("membership")] == ["enrol1", "enrol2", "enrol3"], "any column order"
    with pytest.raises(SourceError, match=r"classes\.csv:1: column grade: not a column of classes\.csv"):
        read(conn, "group")
    with pytest.raises(SourceError, match=r"academicSessions\.csv:1: column schoolYear: a required column is missing"):
        read(conn, "academicSession")


def _package(folder: Path, files: dict[str, str], bom: bool = False, newline: str = "\r\n") -> Path:
    folder.mkdir()
    modes = "".join(f"file.{name},bulk{newline}" for name in files)
    (folder / "manifest.csv").write_bytes(
        f"propertyName,value{newline}manifest.version,1.0{newline}oneroster.version,1.2{newline}{modes}".encode()
    )
    for name, text in files.items():
        data = text.replace("\n", newline).encode()
        (folder / f"{name}.csv").write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return folder


ORGS = (
    "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
    "o1,active,2026-01-02T03:04:05Z,Bø,school,,\n"
)


@pytest.mark.parametrize(("bom", "newline"), [(True, "\r\n"), (False, "\n"), (True, "\n")])
def test_utf8_with_or_without_bom_and_either_line_end(tmp_path: Path, bom: bool, newline: str) -> None:
    conn = source(_package(tmp_path / "p", {"orgs": ORGS}, bom, newline), tmp_path)
    assert read(conn, "organisation") == {"o1": {"id": "o1", "name": "Bø", "type": "school"}}


def test_a_bad_date_in_a_row_names_file_line_and_column(tmp_path: Path) -> None:
    sessions = ("sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\n"
                "y1,active,2026-01-02T03:04:05Z,År,schoolYear,2026-08-01,2027-07-31,,2027\n"
                "y2,active,2026-01-02T03:04:05Z,År,schoolYear,2026-13-01,2027-07-31,,2027\n")  # fmt: skip
    conn = source(_package(tmp_path / "p", {"academicSessions": sessions}), tmp_path)
    with pytest.raises(SourceError, match=r"academicSessions\.csv:3: column startDate: '2026-13-01' is not a date"):
        read(conn, "academicSession")


def test_delta_import_yields_rows_changed_after_the_watermark(tmp_path: Path) -> None:
    orgs = ORGS + "o2,active,2026-03-01T00:00:00Z,Ny,school,,\no3,tobedeleted,2026-03-02T00:00:00Z,Borte,school,,\n"
    conn = source(_package(tmp_path / "p", {"orgs": orgs}), tmp_path)
    full = conn.import_objects("organisation")
    assert [r.anchor for r in full] == ["o1", "o2"], "a full import leaves out what is tobedeleted"
    assert full.watermark == "2026-03-02T00:00:00.000000+00:00"
    delta = conn.import_objects("organisation", since="2026-02-01T00:00:00.000000+00:00")
    assert [r.anchor for r in delta] == ["o2"], "older rows are skipped; a delete waits for the full import"
    assert delta.watermark == "2026-03-02T00:00:00.000000+00:00"


def test_a_full_import_of_a_delta_package_is_refused(tmp_path: Path) -> None:
    pkg = _package(tmp_path / "p", {"orgs": ORGS})
    (pkg / "manifest.csv").write_text((pkg / "manifest.csv").read_text().replace("bulk", "delta"))
    with pytest.raises(SourceError, match="the manifest says delta"):
        read(source(pkg, tmp_path), "organisation")


def test_what_edusync_writes_reads_back(tmp_path: Path) -> None:
    target = oneroster(tmp_path)
    package = send(target, 1, school(Ids()))
    assert package is not None
    conn = source(tmp_path / "out", tmp_path)  # a folder of zips: the newest is read
    persons = read(conn, "person")
    assert persons["p-elev1"]["roles"] == [{"org": "org-skole", "role": "student", "roleType": "primary"}]
    assert persons["p-elev1"]["userIds"] == {"Feide": "ase@fylke.no"} and persons["p-elev1"]["agents"] == ["p-foresatt"]
    groups = read(conn, "group")
    assert groups["g-1a"]["classType"] == "homeroom" and groups["g-matte"]["classType"] == "scheduled"
    assert groups["g-1a"]["terms"] == ["2026-2027"]
    members = read(conn, "membership")
    assert members["m4"] == {"id": "m4", "group": "g-matte", "person": "p-elev1", "school": "org-skole",
                             "role": "student", "primary": False, "begin": "2026-08-17"}  # fmt: skip
    assert set(read(conn, "course")) == {"g-1a", "g-matte"}
    assert conn.warnings == [], "a package edusync wrote has nothing to warn about"


def test_many_warnings_of_one_column_are_summed_up(tmp_path: Path) -> None:
    lines = "".join(f"o{n},active,2026-01-02,Skole {n},school,,nowhere\n" for n in range(40))
    conn = source(_package(tmp_path / "p", {"orgs": ORGS.splitlines()[0] + "\n" + lines}), tmp_path)
    assert len(read(conn, "organisation")) == 40
    parents = [w for w in conn.warnings if "column parentSourcedId" in w]
    assert len(parents) == 6 and parents[-1].endswith("column parentSourcedId: 35 more rows like the 5 above")


def test_a_fodselsnummer_in_a_bad_cell_is_masked_in_the_error(tmp_path: Path) -> None:
    from edusync.model import fnr
    from tests.connectors.oneroster.conftest import FNR

    enrollments = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,"
                   f"beginDate,endDate\ne1,active,2026-01-02T03:04:05Z,c1,o1,u1,student,false,{FNR},\n")  # fmt: skip
    conn = source(_package(tmp_path / "p", {"enrollments": enrollments}), tmp_path)
    with pytest.raises(SourceError) as caught:
        read(conn, "membership")
    assert FNR not in str(caught.value) and f"'{fnr.mask(FNR)}' is not a date" in str(caught.value)
