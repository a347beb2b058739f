"""Finding people: ``edusync show`` by any identifier an object has, ambiguity, and ``edusync find``."""

from __future__ import annotations

import json

import pytest

from edusync.errors import AmbiguousKey, NotFound
from edusync.model.fnr import mask
from edusync.services import objects
from tests.cli.conftest import ELEV, PERSONAL, Site


def _mv_of(site: Site, anchor: str) -> str:
    """The metaverse id the sis person ``anchor`` was joined to, read from the connector space."""
    mv_id = site.scalar(
        "SELECT mv_id FROM cs_objects WHERE connector = 'sis' AND object_type = 'person' AND anchor = :a", a=anchor
    )
    assert mv_id
    return str(mv_id)


def _shown(site: Site, key: str, kind: str = "person") -> str:
    return str(objects.show_object(site.db, site.ws.loaded.config, kind, key)["id"])


def test_every_identifier_of_a_person_finds_it(cli_site: Site) -> None:
    pupil = _mv_of(cli_site, ELEV + "7001")
    feide = cli_site.people["feide"]
    for key in (
        pupil,  # the metaverse id
        ELEV + "7001",  # the source anchor in full
        "7001",  # its last segment: a bare systemId
        PERSONAL + "8001",  # a personalressurs path only the source object holds
        feide,  # the Feide name
        feide.upper(),  # as someone types it
        cli_site.people["fnr"],  # the national id, through its keyed hash
    ):
        assert _shown(cli_site, key) == pupil, key
    row = cli_site.column("SELECT attrs FROM mv_objects WHERE id = :i", i=pupil)[0]
    name = json.loads(row)["displayName"]
    assert _shown(cli_site, name) == pupil, "a unique name"


def test_a_group_and_a_membership_by_their_anchors(cli_site: Site) -> None:
    group = cli_site.ws.county.groups[0]
    mv_group = cli_site.scalar("SELECT mv_id FROM cs_objects WHERE object_type = 'group' AND anchor = :a", a=group[0])
    assert _shown(cli_site, group[0], "group") == mv_group
    member = next(m[0] for m in cli_site.ws.county.memberships if m[1] == ELEV + "7001")
    mv_member = cli_site.scalar(
        "SELECT mv_id FROM cs_objects WHERE object_type = 'membership' AND anchor = :a", a=member
    )
    assert _shown(cli_site, member, "membership") == mv_member


def test_a_key_of_several_objects_lists_them_and_picks_none(cli_site: Site) -> None:
    with pytest.raises(AmbiguousKey) as shared_id:
        _shown(cli_site, "7002")
    expected = {_mv_of(cli_site, ELEV + "7002"), _mv_of(cli_site, PERSONAL + "7002")}
    assert {c["id"] for c in shared_id.value.candidates} == expected
    with pytest.raises(AmbiguousKey) as twins:
        _shown(cli_site, "kari samenavn")  # a name, case aside
    assert {c["id"] for c in twins.value.candidates} == {_mv_of(cli_site, t) for t in cli_site.people["twins"]}
    # Each is still found by what is its own.
    assert _shown(cli_site, ELEV + "7002") == _mv_of(cli_site, ELEV + "7002")
    with pytest.raises(NotFound):
        _shown(cli_site, "nobody-has-this")


def test_show_in_the_terminal_masks_and_explains_ambiguity(cli_site: Site) -> None:
    fnr = cli_site.people["fnr"]
    by_fnr = cli_site.cli("show", "person", fnr, "--json")
    assert by_fnr.returncode == 0, by_fnr.stderr
    assert json.loads(by_fnr.stdout)["id"] == _mv_of(cli_site, ELEV + "7001")
    assert fnr not in by_fnr.stdout and mask(fnr) in by_fnr.stdout
    twins = cli_site.cli("show", "person", "Kari Samenavn")
    assert twins.returncode == 1 and twins.stdout == ""
    assert "matches 2 persons" in twins.stderr and "name one of them by its id" in twins.stderr
    for anchor in cli_site.people["twins"]:
        assert _mv_of(cli_site, anchor) in twins.stderr
    unknown = cli_site.cli("show", "person", "nobody-has-this")
    assert unknown.returncode == 1 and "no person" in unknown.stderr


def test_find_is_the_consoles_search(cli_site: Site) -> None:
    found = cli_site.cli("find", "samenavn", "--type", "person", "--json")
    assert found.returncode == 0, found.stderr
    items = json.loads(found.stdout)["items"]
    assert {i["id"] for i in items} == {_mv_of(cli_site, t) for t in cli_site.people["twins"]}
    assert all(i["name"] == "Kari Samenavn" for i in items)
    by_system_id = json.loads(cli_site.cli("find", "7002", "--json").stdout)["items"]
    assert {i["id"] for i in by_system_id} == {_mv_of(cli_site, ELEV + "7002"), _mv_of(cli_site, PERSONAL + "7002")}
    one = cli_site.cli("find", "samenavn", "--limit", "1")
    assert one.returncode == 0 and "Kari Samenavn" in one.stdout and "--cursor" in one.stdout
    cursor = one.stdout.split("--cursor ", 1)[1].split()[0]
    second = json.loads(cli_site.cli("find", "samenavn", "--limit", "1", "--cursor", cursor, "--json").stdout)
    assert len(second["items"]) == 1 and second["items"][0]["id"] not in one.stdout
    nothing = cli_site.cli("find", "zzqx-nothing")
    assert nothing.returncode == 1 and "nothing matches" in nothing.stderr
    assert cli_site.cli("find", "a").returncode == 1, "two characters at least"
