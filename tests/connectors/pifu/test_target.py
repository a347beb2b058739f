"""The pifu-xml target: full and delta files, each operation, per-change failures, confirm and resume."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from pydantic import ValidationError

from edusync.connectors.pifu import PifuConnector, PifuSettings
from edusync.model.records import Change, Op
from tests.connectors.pifu.builders import change, county, klasse, member, pupil
from tests.connectors.pifu.conftest import assert_valid, make, written

NS = {"p": "http://pifu.no/xsd/pifu-ims_sas/pifu-ims_sas-v1"}


def run(conn: PifuConnector, n: int, changes: list[Change]) -> Path | None:
    """One change set through the connector as the engine drives it; the file it published, if any."""
    before = set(written(conn.resolve_path(Path("out"))))
    conn.begin_export(n, n)
    results = conn.export(changes)
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    conn.finish_export()
    new = set(written(conn.resolve_path(Path("out")))) - before
    return new.pop() if new else None


def ids(tree: etree._ElementTree, path: str) -> list[str]:
    return [str(x) for x in tree.xpath(f"{path}/p:sourcedid/p:id/text()", namespaces=NS)]


def one(tree: etree._ElementTree, path: str) -> etree._Element:
    found = tree.xpath(path, namespaces=NS)
    assert len(found) == 1, f"{path}: {len(found)} matches"
    return found[0]


def test_the_first_export_is_a_full_file_with_the_whole_picture(target: PifuConnector) -> None:
    path = run(target, 1, county())
    assert path is not None and path.name == "lms-run000001-cs1-full.xml"
    tree = assert_valid(path)
    assert one(tree, "/p:enterprise/p:properties/p:type").text == "full"
    assert one(tree, "/p:enterprise/p:properties/p:datasource").text == "edusync@fylke.no"
    assert not tree.xpath("//@recstatus"), "a full file carries no recstatus (PIFU 5.5)"
    assert [etree.QName(e).localname for e in tree.getroot()][:2] == ["properties", "person"]
    assert ids(tree, "/p:enterprise/p:person") == ["per-1", "per-2", "per-9"]
    assert set(ids(tree, "/p:enterprise/p:group")) == {"org-fylke", "org-skole", "grp-7a", "grp-mat"}
    pupil_el = one(tree, "//p:person[p:sourcedid/p:id='per-1']")
    assert pupil_el.xpath("p:userid[@useridtype='personNIN']/text()", namespaces=NS) == ["01020312345"]
    assert pupil_el.xpath("p:userid[@useridtype='feideID']/text()", namespaces=NS) == ["per-1@fylke.no"]
    assert pupil_el.xpath("p:tel[@teltype='3']/text()", namespaces=NS) == ["+4799900099"]
    assert pupil_el.xpath("p:name/p:fn/text()", namespaces=NS) == ["Åse Ødegård"]
    top = one(tree, "//p:group[p:sourcedid/p:id='org-fylke']")
    assert top.xpath("p:grouptype/p:typevalue/text()", namespaces=NS) == ["skoleeier"]
    assert top.xpath("p:relationship/p:sourcedid/p:id/text()", namespaces=NS) == ["org-fylke"], "top org: itself"
    skole = one(tree, "//p:group[p:sourcedid/p:id='org-skole']")
    assert skole.xpath("p:relationship/p:label/text()", namespaces=NS) == ["Måne fylkeskommune"]
    klasse_el = one(tree, "//p:group[p:sourcedid/p:id='grp-7a']")
    assert klasse_el.xpath("p:grouptype/p:typevalue/@level", namespaces=NS) == ["1"]
    assert klasse_el.xpath("p:timeframe/p:adminperiod/text()", namespaces=NS) == ["2025/2026"]
    assert one(tree, "//p:group[p:sourcedid/p:id='grp-mat']/p:timeframe/p:adminperiod").text == "H2025"
    members = one(tree, "//p:membership[p:sourcedid/p:id='grp-7a']")
    assert members.xpath("p:member/p:sourcedid/p:id/text()", namespaces=NS) == ["per-1", "per-2", "per-9"]
    teacher = one(tree, "//p:membership[p:sourcedid/p:id='grp-7a']/p:member[p:sourcedid/p:id='per-9']/p:role")
    assert (teacher.get("roletype"), teacher.findtext("p:subrole", namespaces=NS)) == ("02", "faglærer")
    rektor = one(tree, "//p:membership[p:sourcedid/p:id='org-skole']/p:member/p:role")
    assert (rektor.get("roletype"), rektor.findtext("p:subrole", namespaces=NS)) == ("05", "rektor")
    timed = one(tree, "//p:membership[p:sourcedid/p:id='grp-mat']/p:member/p:role/p:timeframe")
    assert [timed.findtext(f"p:{t}", namespaces=NS) for t in ("begin", "end")] == ["2025-08-18", "2025-12-20"]


def test_later_exports_are_deltas_with_the_net_change_of_each_object(target: PifuConnector) -> None:
    run(target, 1, county())
    path = run(
        target,
        2,
        [
            klasse("grp-7a", "7B", op=Op.UPDATE),
            pupil("per-3", "Nils", "Ny"),
            member("mem-6", "per-3", "grp-7a"),
            change("person", "per-2", Op.DELETE, soft=False),
        ],
    )
    assert path is not None and path.name == "lms-run000002-cs2-delta.xml"
    tree = assert_valid(path)
    assert one(tree, "/p:enterprise/p:properties/p:type").text == "delta"
    assert one(tree, "//p:person[p:sourcedid/p:id='per-3']").get("recstatus") == "1"
    gone = one(tree, "//p:person[p:sourcedid/p:id='per-2']")
    assert gone.get("recstatus") == "3"
    assert gone.xpath("p:name/p:n/p:given/text()", namespaces=NS) == ["Ola"], "a delete carries the last content"
    renamed = one(tree, "//p:group[p:sourcedid/p:id='grp-7a']")
    assert (renamed.get("recstatus"), renamed.findtext("p:description/p:short", namespaces=NS)) == ("2", "7B")
    assert one(tree, "//p:member[p:sourcedid/p:id='per-3']/p:role").get("recstatus") == "1"
    assert len(tree.xpath("/p:enterprise/*", namespaces=NS)) == 1 + 4, "untouched objects are not repeated"


def test_an_update_that_changes_nothing_in_pifu_is_left_out(target: PifuConnector) -> None:
    run(target, 1, county())
    assert run(target, 2, [pupil("per-2", "Ola", "Nordmann", op=Op.UPDATE, gender="male", school="x")]) is None


def test_changes_to_one_object_in_one_change_set_fold_into_one(target: PifuConnector) -> None:
    run(target, 1, county())
    path = run(
        target,
        2,
        [
            pupil("per-5", "Eva", "Først"),
            pupil("per-5", "Eva", "Sist", op=Op.UPDATE),
            pupil("per-6", "Per", "Borte"),
            change("person", "per-6", Op.DELETE),
        ],
    )
    assert path is not None
    tree = assert_valid(path)
    assert ids(tree, "/p:enterprise/p:person") == ["per-5"]
    only = one(tree, "//p:person")
    assert (only.get("recstatus"), only.findtext("p:name/p:n/p:family", namespaces=NS)) == ("1", "Sist")


def test_a_membership_that_moves_is_deleted_from_the_old_group_and_added_to_the_new(target: PifuConnector) -> None:
    run(target, 1, county())
    tree = assert_valid(run(target, 2, [member("mem-1", "per-1", "grp-mat", op=Op.UPDATE)]) or Path())
    old = one(tree, "//p:membership[p:sourcedid/p:id='grp-7a']/p:member[p:sourcedid/p:id='per-1']/p:role")
    new = tree.xpath("//p:membership[p:sourcedid/p:id='grp-mat']/p:member/p:role/@recstatus", namespaces=NS)
    assert old.get("recstatus") == "3" and new == ["1"]


@pytest.mark.parametrize("op", [Op.DELETE, Op.ARCHIVE])
def test_soft_delete_and_archive_default_to_recstatus_3_and_restore_adds_back(tmp_path: Path, op: Op) -> None:
    conn = make(tmp_path)
    run(conn, 1, county())
    tree = assert_valid(run(conn, 2, [change("group", "grp-mat", op, soft=True)]) or Path())
    assert one(tree, "//p:group").get("recstatus") == "3"
    back = klasse("grp-mat", "Matematikk 7", op=Op.RESTORE, groupType="undervisningsgruppe")
    tree = assert_valid(run(conn, 3, [back]) or Path())
    assert one(tree, "//p:group").get("recstatus") == "1"
    conn.close()


def test_soft_delete_inactive_keeps_the_person_marked_inaktiv_until_restored(tmp_path: Path) -> None:
    conn = make(tmp_path, soft_delete="inactive")
    run(conn, 1, county())
    path = run(conn, 2, [change("person", "per-2", Op.DELETE, soft=True), change("membership", "mem-2", Op.DELETE)])
    tree = assert_valid(path or Path())
    person = one(tree, "//p:person")
    assert person.get("recstatus") == "2"
    assert person.xpath("p:extension/p:pifu_status[@type='activeInactive']/text()", namespaces=NS) == ["inaktiv"]
    role = one(tree, "//p:member/p:role")
    assert (role.get("recstatus"), role.findtext("p:status", namespaces=NS)) == ("2", "0")
    hard = assert_valid(run(conn, 3, [change("person", "per-1", Op.DELETE, soft=False)]) or Path())
    assert one(hard, "//p:person").get("recstatus") == "3", "a hard delete still deletes"
    restored = assert_valid(run(conn, 4, [pupil("per-2", "Ola", "Nordmann", op=Op.RESTORE, gender="male")]) or Path())
    assert not restored.xpath("//p:pifu_status", namespaces=NS)
    assert one(restored, "//p:person").get("recstatus") == "2"
    conn.close()


def test_full_mode_writes_the_whole_current_picture_every_time(tmp_path: Path) -> None:
    conn = make(tmp_path, mode="full")
    run(conn, 1, county())
    gone = [change("person", "per-2", Op.DELETE), change("membership", "mem-2", Op.DELETE)]
    path = run(conn, 2, [klasse("grp-7a", "7B", op=Op.UPDATE), *gone])
    assert path is not None and path.name.endswith("-full.xml")
    tree = assert_valid(path)
    assert ids(tree, "/p:enterprise/p:person") == ["per-1", "per-9"]
    assert one(tree, "//p:group[p:sourcedid/p:id='grp-7a']/p:description/p:short").text == "7B"
    assert tree.xpath("count(//p:member)", namespaces=NS) == 4
    assert run(conn, 3, []) is not None, "a full file is written even when nothing changed"
    conn.close()


def test_delta_mode_writes_deltas_from_the_start_and_skips_empty_ones(tmp_path: Path) -> None:
    conn = make(tmp_path, mode="delta")
    tree = assert_valid(run(conn, 1, county()) or Path())
    assert set(tree.xpath("//@recstatus")) == {"1"}
    assert run(conn, 2, []) is None
    conn.close()


def test_a_bad_change_fails_alone_and_names_the_attribute(target: PifuConnector) -> None:
    bad = [
        change("person", "per-x", givenName="Uten"),
        change("person", "per-y", givenName="A", familyName="B", nin="1234567890123"),
        change("group", "grp-x", name="X", groupType="klubb", school="org-skole"),
        change("group", "grp-y", name="Y"),
        change("membership", "mem-x", person="per-1", group="grp-7a", role="vaktmester-sjef"),
        change("membership", "mem-y", person="per-1", group="grp-7a", roletype="11"),
        change("lesson", "les-1", name="Time"),
    ]
    good = county()
    target.begin_export(1, 1)
    results = {r.change_id: r for r in target.export(bad + good)}
    target.finish_export()
    assert all(results[c.id].ok for c in good)
    errors = [results[c.id].error or "" for c in bad]
    assert all(not results[c.id].ok and not results[c.id].retriable for c in bad)
    assert "familyName" in errors[0]
    assert "nin" in errors[1] and "1234567890123" not in errors[1], "a fødselsnummer is masked"
    assert "groupType" in errors[2] and "parent" in errors[3]
    assert "role" in errors[4] and "roletype" in errors[5] and "lesson" in errors[6]
    tree = assert_valid(written(target.resolve_path(Path("out")))[0])
    assert "per-x" not in ids(tree, "/p:enterprise/p:person")


def test_confirm_knows_what_a_killed_export_recorded_and_the_resumed_export_publishes_it(tmp_path: Path) -> None:
    first = make(tmp_path)
    changes = county()
    first.begin_export(1, 1)
    first.export(changes[:5])
    first.close()  # killed before finish_export: nothing is published
    assert written(tmp_path / "out") == []
    second = make(tmp_path)
    second.begin_export(1, 1)
    assert second.confirm(changes) == {c.id for c in changes[:5]}
    second.export(changes[5:])
    second.finish_export()
    tree = assert_valid(written(tmp_path / "out")[0])
    assert tree.xpath("count(//p:person)", namespaces=NS) == 3
    assert second.confirm(changes) == {c.id for c in changes}, "the published file still confirms them"
    second.finish_export()  # a resumed run finishing the same change set again publishes nothing new
    assert len(written(tmp_path / "out")) == 1
    second.close()


def test_old_files_are_pruned_and_nothing_half_written_is_left(tmp_path: Path) -> None:
    conn = make(tmp_path, keep_files=2)
    run(conn, 1, county())
    for n in range(2, 5):
        run(conn, n, [klasse("grp-7a", f"7A v{n}", op=Op.UPDATE)])
    names = [p.name for p in written(tmp_path / "out")]
    assert names == ["lms-run000003-cs3-delta.xml", "lms-run000004-cs4-delta.xml"]
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]
    conn.close()


def test_a_datasource_too_long_for_sourcedid_needs_an_explicit_source() -> None:
    with pytest.raises(ValidationError, match="source"):
        PifuSettings(datasource="x" * 40)
    assert PifuSettings(datasource="x" * 40, source="kort").id_source == "kort"
