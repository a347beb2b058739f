"""The trash at county scale from the terminal: a page with a count, filters, names for memberships, restore."""

from __future__ import annotations

import json
from typing import Any

import pytest

from edusync.cli.render import number
from edusync.pipeline.syncing.rule import mv_id_for
from edusync.services import trash
from edusync.services.paging import BadQuery
from tests.cli.conftest import Site

IN_TRASH = "state IN ('grace', 'disabled')"


def _trash(site: Site, *args: str) -> dict[str, Any]:
    done = site.cli("trash", *args, "--json")
    assert done.returncode == 0, done.stderr
    page: dict[str, Any] = json.loads(done.stdout)
    return page


def _all(site: Site, **filters: Any) -> list[dict[str, Any]]:
    """Every page of a filtered list, by offset (in-process: the service the command pages with)."""
    items: list[dict[str, Any]] = []
    while True:
        page = trash.list_trash(site.db, trash.TrashFilter(**filters), limit=500, offset=len(items))
        items += page.items
        if not page.items or page.next_cursor is None:
            return items


def _person_ids(anchors: list[str]) -> set[str]:
    return {mv_id_for("person", "sis", "person", a) for a in anchors}


def _school_id(site: Site, anchor: str) -> str:
    return str(site.scalar("SELECT mv_id FROM cs_objects WHERE object_type = 'organisation' AND anchor = :a", a=anchor))


def test_a_page_of_fifty_and_how_many_there_are(cli_site: Site) -> None:
    total = cli_site.scalar(f"SELECT count(*) FROM mv_objects WHERE {IN_TRASH}")
    assert total > 50, "the site has more than a page in the trash"
    page = _trash(cli_site)
    assert len(page["items"]) == 50 and page["total"] == total
    table = cli_site.cli("trash").stdout
    assert f"showing 1–50 of {number(total)} objects; next page: --offset 50" in table
    assert len(trash.list_trash(cli_site.db, offset=total - 3).items) == 3
    past = cli_site.cli("trash", "--offset", str(total))
    assert past.returncode == 0 and f"no objects match at offset {total}" in past.stdout
    second = trash.list_trash(cli_site.db, offset=50).items
    assert second and {i["id"] for i in page["items"]}.isdisjoint(i["id"] for i in second)
    for bad in ({"limit": 0}, {"limit": 501}, {"offset": -1}):
        with pytest.raises(BadQuery):
            trash.list_trash(cli_site.db, **bad)
    with pytest.raises(BadQuery):
        trash.list_trash(cli_site.db, trash.TrashFilter(since="yesterday"))
    refused = cli_site.cli("trash", "--since", "yesterday")
    assert refused.returncode == 1 and "is not a date" in refused.stderr


def test_filters_by_type_day_and_school(cli_site: Site) -> None:
    persons = _all(cli_site, object_type="person")
    everyone = cli_site.people["gone"] + cli_site.people["lost"]
    assert {i["id"] for i in persons} == _person_ids(everyone)
    assert all(i["type"] == "person" and i["name"] for i in persons)
    # The third night (2026-08-19) lost the later ones; the second night's are older.
    since = _trash(cli_site, "--type", "person", "--since", "2026-08-19", "--limit", "500")["items"]
    assert {i["id"] for i in since} == _person_ids(cli_site.people["lost"])
    school_of = cli_site.people["school_of"]
    at_first = [a for a in everyone if school_of[a] == "S0001"]
    by_anchor = _trash(cli_site, "--type", "person", "--school", "S0001", "--limit", "500")["items"]
    assert {i["id"] for i in by_anchor} == _person_ids(at_first)
    by_number = _trash(cli_site, "--type", "person", "--school", "10000", "--limit", "500")["items"]  # its number
    assert {i["id"] for i in by_number} == {i["id"] for i in by_anchor}, "the school by any identifier"
    groups = {g[0] for g in cli_site.ws.county.groups if g[3] == "S0001"}
    group_ids = set(cli_site.column("SELECT mv_id FROM cs_objects WHERE object_type = 'group'  AND mv_id IS NOT NULL"))
    at_school = {
        gid
        for gid in group_ids
        if cli_site.scalar("SELECT anchor FROM cs_objects WHERE object_type = 'group' AND mv_id = :g", g=gid) in groups
    }
    members = _all(cli_site, object_type="membership", school=_school_id(cli_site, "S0001"))
    assert members and {m["group"] for m in members} <= at_school
    expected = cli_site.scalar(
        f"SELECT count(*) FROM mv_objects WHERE object_type = 'membership' AND {IN_TRASH} "
        f"AND group_id IN ({', '.join(repr(g) for g in sorted(at_school))})"
    )
    assert len(members) == expected
    unknown = cli_site.cli("trash", "--school", "no-such-school")
    assert unknown.returncode == 1 and "no organisation" in unknown.stderr


def test_a_membership_is_named_by_its_person_and_group(cli_site: Site) -> None:
    members = _trash(cli_site, "--type", "membership", "--limit", "20")["items"]
    assert members
    for m in members:
        person = json.loads(cli_site.scalar("SELECT attrs FROM mv_objects WHERE id = :i", i=m["person"]))
        group = json.loads(cli_site.scalar("SELECT attrs FROM mv_objects WHERE id = :i", i=m["group"]))
        assert m["name"].startswith(f"{person['displayName']} in {group['name']}"), m
    table = cli_site.cli("trash", "--type", "membership", "--limit", "5").stdout
    assert " in " in table


def test_restore_by_ids_and_everything_a_filter_matches(fresh_site: Site) -> None:
    persons = _all(fresh_site, object_type="person")
    two = [persons[0]["id"], persons[1]["id"]]
    out = fresh_site.cli("trash", "restore", *two, "per-nothing")
    assert out.returncode == 1, "one was not restored"
    assert all(f"restored person {i}" in out.stdout for i in two) and "per-nothing" in out.stderr
    states = fresh_site.column(f"SELECT state FROM mv_objects WHERE id IN ('{two[0]}', '{two[1]}')")
    assert states == ["active", "active"]
    # Everything of one type at one school, asked first: "no" restores nothing.
    school = _school_id(fresh_site, "S0001")
    wanted = _all(fresh_site, object_type="membership", school=school)
    others = fresh_site.scalar(f"SELECT count(*) FROM mv_objects WHERE object_type = 'membership' AND {IN_TRASH}")
    assert wanted and others > len(wanted)
    no = fresh_site.cli("trash", "restore", "--all", "--type", "membership", "--school", "S0001", input="n\n")
    assert no.returncode == 1 and f"Restore {number(len(wanted))} objects" in no.stderr
    assert len(_all(fresh_site, object_type="membership", school=school)) == len(wanted)
    audits = fresh_site.scalar("SELECT count(*) FROM audit_log WHERE action = 'restore'")
    yes = fresh_site.cli("trash", "restore", "--all", "--type", "membership", "--school", "S0001", input="y\n")
    assert yes.returncode == 0, yes.stderr
    assert f"restored {number(len(wanted))} objects ({number(len(wanted))} membership)" in yes.stdout
    ids = ", ".join(f"'{m['id']}'" for m in wanted)
    assert fresh_site.column(f"SELECT DISTINCT state FROM mv_objects WHERE id IN ({ids})") == ["active"]
    left = fresh_site.scalar(f"SELECT count(*) FROM mv_objects WHERE object_type = 'membership' AND {IN_TRASH}")
    assert left == others - len(wanted), "memberships at other schools stay in the trash"
    assert fresh_site.scalar("SELECT count(*) FROM audit_log WHERE action = 'restore'") == audits + len(wanted)
    runs = fresh_site.column("SELECT counts FROM runs WHERE profile = 'manual-restore' ORDER BY id DESC")
    assert json.loads(runs[0])["lifecycle"] == {"membership": {"restored": len(wanted)}}
    # Each object has its own audit entry, so its history shows the bulk restore as a single one would.
    one = wanted[0]["id"]
    assert fresh_site.scalar(f'SELECT count(*) FROM audit_log WHERE detail LIKE \'%"object":"{one}"%\'') == 1
    shown = fresh_site.cli("show", "membership", one, "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["state"] == "active"
    # --yes skips the question; then nothing of that type is left.
    rest = fresh_site.cli("trash", "restore", "--all", "--type", "person", "--yes")
    assert rest.returncode == 0 and f"restored {number(len(persons) - 2)} objects" in rest.stdout
    assert _trash(fresh_site, "--type", "person")["total"] == 0
    again = fresh_site.cli("trash", "restore", "--all", "--type", "person", "--yes")
    assert again.returncode == 0 and "nothing was restored" in again.stdout


def test_restore_refuses_what_it_cannot_tell(fresh_site: Site) -> None:
    nothing = fresh_site.cli("trash", "restore")
    assert nothing.returncode == 2 and "give --all" in nothing.stderr
    both = fresh_site.cli("trash", "restore", "per-x", "--all")
    assert both.returncode == 2 and "not both" in both.stderr
    total = _trash(fresh_site)["total"]
    nobody = fresh_site.cli("trash", "restore", "--all", "--yes", input="")
    assert nobody.returncode == 0  # --yes with no filter restores all: the operator said so twice
    assert _trash(fresh_site)["total"] == 0 and total > 0
