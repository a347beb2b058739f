"""The pifu-xml source: Moodle's IMS Enterprise samples, the PIFU example, odd encodings and forms, broken files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from edusync.connectors.pifu import PifuConnector, PifuSettings
from edusync.errors import SourceError
from tests.connectors.pifu.conftest import MOODLE, PIFU_EXAMPLE


def source(path: Path) -> PifuConnector:
    return PifuConnector("sas", PifuSettings(input=path), path.parent)


def read(path: Path, object_type: str, since: str | None = None) -> dict[str, dict[str, object]]:
    return {r.anchor: r.attrs for r in source(path).import_objects(object_type, since=since)}


def write_in(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def test_moodle_sample_iso_8859_1_without_namespace_with_blanks_around_ids() -> None:
    persons = read(MOODLE / "example.xml", "person")
    assert set(persons) == {"91046433", "90078058", "90182274", "90528553", "DSTOW61"}
    assert persons["91046433"] == {
        "id": "91046433",
        "fullName": "Simon Shikalislami",
        "givenName": "SIMON",
        "familyName": "SHIKALISLAMI",
    }, "blanks are trimmed and an empty <userid/> is no username"
    assert persons["90078058"]["username"] == "IMGBY26"
    members = read(MOODLE / "example.xml", "membership")
    assert {m["person"] for m in members.values()} == set(persons), "' 91046433  ' is person 91046433"
    assert members["PHRE1001A2005/06T1/2|DSTOW61|02"]["role"] == "teacher"
    assert read(MOODLE / "example.xml", "group")["PHRE1001A2005/06T1/2"]["name"] == "Phrenology"


def test_moodle_one_line_file_reads_the_same_as_the_pretty_one() -> None:
    for object_type in ("person", "membership"):
        assert read(MOODLE / "example-oneline.xml", object_type) == read(MOODLE / "example.xml", object_type)
    assert "orgUnit" not in read(MOODLE / "example-oneline.xml", "group")["PHRE1001A2005/06T1/2"], "it has no <org>"


def test_recstatus_3_on_groups_and_roles_leaves_them_out() -> None:
    assert read(MOODLE / "example-grouped.xml", "group") == {}, "the only group has recstatus 3"
    members = read(MOODLE / "example-grouped.xml", "membership")
    assert "PHRE1001A2005/06T1/2|90078058|01" not in members, "its role has recstatus 3"
    assert len(read(MOODLE / "example-grouped.xml", "person")) == 5, 'recstatus = "1" with blanks is an add'


def test_the_pifu_example_with_namespace_orgs_groups_and_identifiers() -> None:
    orgs = read(PIFU_EXAMPLE, "organisation")
    assert orgs["global_ID_org_17"]["parent"] == "global_ID_org_2"
    assert orgs["global_ID_org_17"]["groupType"] == "skole"
    assert "parent" not in orgs["global_ID_org_2"], "the top org points to itself"
    groups = read(PIFU_EXAMPLE, "group")
    assert groups["global_ID_basis_Måneflekken_7A"]["adminPeriod"] == "2007/2008"
    ola = read(PIFU_EXAMPLE, "person")["global_ID_01236"]
    assert (ola["nin"], ola["studentId"], ola["gender"]) == ("09119311111", "5892956", "male")
    members = read(PIFU_EXAMPLE, "membership")
    assert len(members) == 18, "one record per member and role"
    ola_7a = members["global_ID_basis_Måneflekken_7A|global_ID_01236|01"]
    assert (ola_7a["role"], ola_7a["begin"], ola_7a["end"]) == ("student", "2006-08-20", "2007-06-30")
    assert members["global_ID_org_17|global_ID_01235|02"]["primary"] == "1"


def test_iso_8859_1_ims_namespace_idtype_content_and_roletype_element(tmp_path: Path) -> None:
    path = write_in(
        tmp_path,
        "ims.xml",
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        '<enterprise xmlns="http://imsglobal.org/IMS_EPv1p1">'
        "<properties><datasource>sas</datasource><datetime>2025-08-01</datetime></properties>"
        "<person><sourcedid><source>sas</source><id>\n  p1 \n</id></sourcedid>"
        '<userid useridtype="personNIN">01020312345</userid>'
        "<name><fn>Åse Ødegård</fn><n><family>Ødegård</family><given>Åse</given></n></name></person>"
        "<group><sourcedid><source>sas</source><id>g1</id></sourcedid><description><short>Fjøs</short></description>"
        "</group>"
        "<membership><sourcedid><source>sas</source><id>g1</id></sourcedid>"
        "<member><sourcedid><source>sas</source><id>p1</id></sourcedid><idtype>1</idtype>"
        "<role><roletype>2</roletype><status>1</status></role></member>"
        "<member><sourcedid><source>sas</source><id>g2</id></sourcedid><idtype>2</idtype>"
        '<role roletype="01"><status>1</status></role></member>'
        "</membership></enterprise>",
        encoding="iso-8859-1",
    )
    assert read(path, "person")["p1"]["familyName"] == "Ødegård"
    assert read(path, "group")["g1"]["name"] == "Fjøs"
    assert list(read(path, "membership")) == ["g1|p1|02"], "a group as member is not a person membership"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("<enterprise><person><sourcedid><id>p1</id></sourcedid>\n<name><fn>A</fn></person></enterprise>", ":2:"),
        ("<enterprise><membership><sourcedid><id>g</id></sourcedid><member>\n<role>", ":2:"),
    ],
)
def test_malformed_xml_names_file_line_and_element(tmp_path: Path, text: str, where: str) -> None:
    path = write_in(tmp_path, "bad.xml", text)
    with pytest.raises(SourceError) as caught:
        read(path, "person")
    message = str(caught.value)
    assert str(path) in message and where in message and "malformed XML in <" in message


def test_a_record_without_id_or_with_a_repeated_id_is_an_error(tmp_path: Path) -> None:
    no_id = write_in(
        tmp_path, "noid.xml", "<enterprise>\n<person><sourcedid><id> </id></sourcedid></person></enterprise>"
    )
    with pytest.raises(SourceError, match=r"noid\.xml:2: <person> has no sourcedid/id"):
        read(no_id, "person")
    twice = "<person><sourcedid><id>p1</id></sourcedid></person>"
    dup = write_in(tmp_path, "dup.xml", f"<enterprise>{twice}\n{twice}</enterprise>")
    with pytest.raises(SourceError, match=r"dup\.xml:2: <person> repeats id 'p1'"):
        read(dup, "person")


def _person(key: str, family: str, recstatus: str = "") -> str:
    status = f' recstatus="{recstatus}"' if recstatus else ""
    return (
        f"<person{status}><sourcedid><source>s</source><id>{key}</id></sourcedid>"
        f"<name><fn>x</fn><n><family>{family}</family><given>x</given></n></name></person>"
    )


def _file(kind: str, *persons: str) -> str:
    props = f"<properties><datasource>s</datasource><type>{kind}</type><datetime>2025-01-01</datetime></properties>"
    return f"<enterprise>{props}{''.join(persons)}</enterprise>"


def test_a_folder_full_import_is_the_newest_full_file_with_later_deltas_applied(tmp_path: Path) -> None:
    write_in(tmp_path, "a-0001-full.xml", _file("full", _person("old", "Gammel")))
    write_in(tmp_path, "a-0002-full.xml", _file("full", _person("p1", "En"), _person("p2", "To")))
    write_in(tmp_path, "a-0003-delta.xml", _file("delta", _person("p1", "Ny", "2"), _person("p3", "Tre", "1")))
    write_in(tmp_path, "a-0004-delta.xml", _file("delta", _person("p2", "To", "3")))
    conn = source(tmp_path / "in")
    stream = conn.import_objects("person")
    persons = {r.anchor: r.attrs["familyName"] for r in stream}
    assert persons == {"p1": "Ny", "p3": "Tre"}
    assert stream.watermark == "a-0004-delta.xml"
    write_in(tmp_path, "a-0005-delta.xml", _file("delta", _person("p4", "Fire", "1"), _person("p1", "Igjen", "2")))
    delta = conn.import_objects("person", since=stream.watermark)
    assert {r.anchor: r.attrs["familyName"] for r in delta} == {"p4": "Fire", "p1": "Igjen"}
    assert delta.watermark == "a-0005-delta.xml"
    nothing = conn.import_objects("person", since="a-0005-delta.xml")
    assert list(nothing) == [] and nothing.watermark == "a-0005-delta.xml"


def test_a_folder_without_a_full_file_is_an_error_and_snapshots_follow_the_files(tmp_path: Path) -> None:
    write_in(tmp_path, "d.xml", _file("delta", _person("p1", "En", "1")))
    with pytest.raises(SourceError, match="no full PIFU/IMS file"):
        read(tmp_path / "in", "person")
    shutil.copy(MOODLE / "example.xml", tmp_path / "in" / "c.xml")
    conn = source(tmp_path / "in")
    before = conn.snapshot("person")
    assert before == conn.snapshot("person")
    (tmp_path / "in" / "c.xml").write_bytes((MOODLE / "example-oneline.xml").read_bytes())
    assert conn.snapshot("person") != before


PERSON = (
    "<person><sourcedid><id>p1</id></sourcedid><name><fn>Åse</fn><n><family>Bjørnstad</family>"
    "<given>&given;</given></n></name></person>"
)


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE enterprise [<!ENTITY given SYSTEM "file:///etc/hostname">]>',  # an external entity
        '<!DOCTYPE enterprise [<!ENTITY given "Kari">]>',  # an internal one
        '<!DOCTYPE enterprise SYSTEM "http://example.invalid/ims.dtd">',
    ],
)
def test_a_file_with_a_dtd_is_refused_not_read_with_blank_values(tmp_path: Path, prolog: str) -> None:
    path = write_in(
        tmp_path, "full.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}\n<enterprise>{PERSON}</enterprise>'
    )
    with pytest.raises(SourceError, match=r"full\.xml:2: the file has a DOCTYPE declaration") as caught:
        read(path, "person")
    assert caught.value.file == str(path) and caught.value.line == 2


def test_a_file_declared_latin1_that_holds_utf8_is_refused(tmp_path: Path) -> None:
    text = f'<?xml version="1.0" encoding="ISO-8859-1"?>\n<enterprise>{PERSON.replace("&given;", "Kari")}</enterprise>'
    mislabelled = write_in(tmp_path, "full.xml", text, encoding="utf-8")
    with pytest.raises(SourceError, match="declared ISO-8859-1 but its bytes are UTF-8"):
        read(mislabelled, "person")
    honest = write_in(tmp_path, "full.xml", text, encoding="iso-8859-1")
    assert read(honest, "person")["p1"]["familyName"] == "Bjørnstad", "a file that says what it is reads as before"
