"""Values in the file: what XML must escape reads back exactly; what XML cannot carry fails its change alone."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from edusync.connectors.pifu import PifuConnector
from edusync.errors import FatalError
from edusync.model.records import Change, Op
from tests.connectors.pifu.builders import change, county, klasse, member, pupil
from tests.connectors.pifu.conftest import assert_valid, make, written

NS = {"p": "http://pifu.no/xsd/pifu-ims_sas/pifu-ims_sas-v1"}
AWKWARD = "Å & <Ø> \"sitat\" 'x' ]]> \t tab\r\nny linje €"


def publish(conn: PifuConnector, n: int, changes: list[Change]) -> dict[int, str | None]:
    """Export and publish one change set; the errors of the changes that failed, by change id."""
    conn.begin_export(n, n)
    results = conn.export(changes)
    conn.finish_export()
    return {r.change_id: r.error for r in results if not r.ok}


def test_markup_characters_in_values_are_escaped_and_read_back_exactly(target: PifuConnector, tmp_path: Path) -> None:
    changes = [
        *county(),
        pupil("per-&<1>", "Ola", AWKWARD),
        klasse("grp-&", AWKWARD[:60], description=AWKWARD, school="org-skole", parentName=AWKWARD),
        member("mem-&", "per-&<1>", "grp-&"),
    ]
    assert publish(target, 1, changes) == {}
    tree = assert_valid(written(tmp_path / "out")[0])
    person = tree.xpath("//p:person[p:sourcedid/p:id='per-&<1>']", namespaces=NS)[0]
    assert person.findtext("p:name/p:n/p:family", namespaces=NS) == AWKWARD
    group = tree.xpath("//p:group[p:sourcedid/p:id='grp-&']", namespaces=NS)[0]
    assert group.findtext("p:description/p:long", namespaces=NS) == AWKWARD
    assert group.findtext("p:relationship/p:label", namespaces=NS) == AWKWARD
    members = tree.xpath("//p:membership[p:sourcedid/p:id='grp-&']/p:member/p:sourcedid/p:id/text()", namespaces=NS)
    assert members == ["per-&<1>"]
    assert tree.xpath("/p:enterprise/p:properties/p:datasource/text()", namespaces=NS) == ["edusync@fylke.no"]


@pytest.mark.parametrize(
    ("bad", "shown"),
    [
        (pupil("per-x", "Å\x01se", "Ødegård"), "U+0001"),
        (pupil("per-x", "Åse", "Øde\x0bgård"), "U+000B"),
        (pupil("per-x", "Åse", "Ødegård\ufffe"), "U+FFFE"),
        (pupil("per-x\x1f", "Åse", "Ødegård"), "U+001F"),
        (klasse("grp-x", "7\x08A"), "U+0008"),
        (member("mem-x", "per-1\x00", "grp-7a"), "U+0000"),
        (pupil("per-x", "Åse", "Ødegård\ud800"), "not valid Unicode"),
    ],
)
def test_a_value_xml_cannot_carry_fails_its_change_and_the_file_still_goes_out(
    target: PifuConnector, tmp_path: Path, bad: Change, shown: str
) -> None:
    failed = publish(target, 1, [*county(), bad])
    assert list(failed) == [bad.id]
    assert shown in (failed[bad.id] or "")
    tree = assert_valid(written(tmp_path / "out")[0])
    assert tree.xpath("count(//p:person)", namespaces=NS) == 3


def test_tab_newline_and_return_are_fine(target: PifuConnector, tmp_path: Path) -> None:
    assert publish(target, 1, [*county(), pupil("per-x", "Å\tse", "Øde\r\ngård")]) == {}
    tree = assert_valid(written(tmp_path / "out")[0])
    assert tree.xpath("//p:person[p:sourcedid/p:id='per-x']/p:name/p:n/p:family/text()", namespaces=NS) == [
        "Øde\r\ngård"
    ]


@pytest.mark.parametrize(("key", "named"), [("per-1", "'per-1'"), ("01020312345", "'010203*****'")])
def test_a_bad_character_already_in_the_state_stops_the_file_and_names_the_record(
    tmp_path: Path, key: str, named: str
) -> None:
    """A state written before values were checked: no half-readable file is published, and nothing is lost."""
    conn = make(tmp_path, mode="full")
    publish(conn, 1, [*county(), pupil(key, "Åse", "Ødegård")])
    conn.close()
    state = tmp_path / "out" / ".lms.pifu-state.sqlite"
    with sqlite3.connect(state) as db:
        db.execute("UPDATE objects SET canon = replace(canon, 'Ødegård', 'Øde\\u0002gård') WHERE key = ?", (key,))
    db.close()
    conn = make(tmp_path, mode="full")
    conn.begin_export(2, 2)
    conn.export([klasse("grp-7a", "7B", op=Op.UPDATE)])
    with pytest.raises(FatalError, match="U\\+0002") as caught:
        conn.finish_export()
    assert named in str(caught.value) and "01020312345" not in str(caught.value)
    assert [p.name for p in written(tmp_path / "out")] == ["lms-run000001-cs1-full.xml"]
    assert not list((tmp_path / "out").glob("*.tmp"))
    assert conn.state().has_pending(), "the change set stays recorded for the next attempt"
    conn.close()


def test_a_surrogate_in_a_key_is_refused_too(target: PifuConnector) -> None:
    target.begin_export(1, 1)
    results = target.export([change("group", "grp-\udc00", name="X", school="org-skole")])
    assert not results[0].ok and "U+DC00" in (results[0].error or "")


def test_a_refused_change_keyed_by_a_fodselsnummer_is_reported_masked(target: PifuConnector) -> None:
    # A person's key may be the national id (the PIFU profile lets it be the sourcedid).
    target.begin_export(1, 1)
    results = target.export([change("person", "01020312345", name="Ola", school="org-skole")])
    error = results[0].error or ""
    assert not results[0].ok and "givenName" in error  # refused: a PIFU person needs both names
    assert "01020312345" not in error and "person 010203*****" in error
