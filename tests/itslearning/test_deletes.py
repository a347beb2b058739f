"""itslearning's deletes: persons to the trash and back with their key, courses archived (members
released, never restored by themselves), and a changed sync key seen as a new object."""

from __future__ import annotations

import datetime as dt

from tests.itslearning.conftest import AUTUMN, Itslearning, members, records

DAY = dt.timedelta(days=1)


def test_a_person_missing_from_the_picture_goes_to_the_trash_and_returns_with_its_key(its: Itslearning) -> None:
    its.night(AUTUMN)
    pupil = list(its.pupils()[0])
    theirs = [list(m) for m in its.county.memberships if m[1] == pupil[0]]
    key = its.key_of("person", pupil[0])
    its.remove_persons({pupil[0]})
    gone = its.night(AUTUMN + DAY)
    assert gone.status == "done", gone.report.errors
    tree = its.last_file()
    assert [p.get("recstatus") for p in records(tree, "person", key)] == ["3"], "deleted: itslearning's trash"
    assert its.state_of("person", key) == "deleted"
    counts = gone.report.as_dict()
    assert counts["keys"]["itslearning/person"] == {"appeared": 0, "vanished": 1, "returned": 0}
    assert counts["plan"]["itslearning/membership"]["delete"] == len(theirs)

    its.county.persons.append(pupil)
    its.county.memberships += theirs
    back = its.night(AUTUMN + 2 * DAY)
    assert back.status == "done", back.report.errors
    assert its.key_of("person", pupil[0]) == key, "the same sync key comes back, not a new person"
    tree = its.last_file()
    assert [p.get("recstatus") for p in records(tree, "person", key)] == ["1"], "restored from the trash"
    assert back.report.as_dict()["keys"]["itslearning/person"]["returned"] == 1
    assert its.state_of("person", key) == "present"
    restored = tree.xpath(
        f"//p:member[p:sourcedid/p:id='{key}']/p:role/@recstatus", namespaces={"p": tree.getroot().nsmap[None]}
    )
    assert restored == ["1"] * len(theirs)


def test_a_course_missing_from_the_picture_is_archived_and_its_members_become_manual(its: Itslearning) -> None:
    its.night(AUTUMN)
    gid = its.county.groups[1][0]
    gkey = its.key_of("group", gid)
    removed = its.remove_group(gid)
    night = its.night(AUTUMN + DAY)
    assert night.status == "done", night.report.errors
    counts = night.report.as_dict()
    assert counts["plan"]["itslearning/group"]["archive"] == 1
    assert counts["plan"]["itslearning/membership"]["forget"] == len(removed)
    assert "delete" not in counts["plan"]["itslearning/membership"], "no member of the course is deleted"
    assert counts["decisions"]["itslearning/membership"]["released"] == len(removed)
    assert counts["keys"]["itslearning/group"]["vanished"] == 1
    tree = its.last_file()
    assert [g.get("recstatus") for g in records(tree, "group", gkey)] == ["3"]
    assert members(tree, gkey) == [], "released members get no recstatus 3: they are manual members now"
    assert its.state_of("group", gkey) == "archived"
    assert all(its.state_of("membership", its.key_of("membership", m[0])) is None for m in removed)

    # The next full file does not carry them either.
    its.settings["connectors"]["itslearning"]["settings"]["mode"] = "full"
    its.night(AUTUMN + 2 * DAY)
    full = its.last_file()
    assert records(full, "group", gkey) == [] and members(full, gkey) == []
    assert len(full.xpath("//p:person", namespaces={"p": full.getroot().nsmap[None]})) == 300


def test_an_archived_course_that_reappears_is_not_restored(its: Itslearning) -> None:
    its.night(AUTUMN)
    group = list(its.county.groups[1])
    gkey = its.key_of("group", group[0])
    removed = its.remove_group(group[0])
    its.night(AUTUMN + DAY)
    sent = len(its.files())
    its.county.groups.append(group)
    its.county.memberships += removed
    back = its.night(AUTUMN + 2 * DAY)
    assert back.status == "done", back.report.errors
    counts = back.report.as_dict()
    assert counts["decisions"]["itslearning/group"] == {"stays_archived": 1}
    assert counts["decisions"]["itslearning/membership"] == {"held": len(removed)}
    assert "keys" not in counts and "restore" not in counts["plan"]["itslearning/group"]
    assert any("1 groups reappeared but stay archived" in w for w in back.report.warnings)
    assert its.state_of("group", gkey) == "archived"
    assert len(its.files()) == sent, "nothing to send: the course stays in itslearning's archive"


def test_a_changed_sync_key_is_a_new_object_and_the_report_names_both_keys(its: Itslearning) -> None:
    its.night(AUTUMN)
    group = its.county.groups[2]
    old_id, old_key = group[0], its.key_of("group", group[0])
    group[0] = f"{old_id}-2"  # the source renumbered the group
    for m in its.county.memberships:
        if m[2] == old_id:
            m[2] = group[0]
    night = its.night(AUTUMN + DAY)
    assert night.status == "done", night.report.errors
    new_key = its.key_of("group", group[0])
    assert new_key != old_key
    assert night.report.as_dict()["keys"]["itslearning/group"] == {"appeared": 1, "vanished": 1, "returned": 0}
    tree = its.last_file()
    assert [g.get("recstatus") for g in records(tree, "group", new_key)] == ["1"]
    assert [g.get("recstatus") for g in records(tree, "group", old_key)] == ["3"]
    assert its.state_of("group", old_key) == "archived"


def test_a_sync_key_never_changes_when_the_object_does(its: Itslearning) -> None:
    its.night(AUTUMN)
    pupil = its.pupils()[3]
    key = its.key_of("person", pupil[0])
    pupil[2], pupil[5] = "Ragnhild", "ragnhild@skole.fylke.no"
    night = its.night(AUTUMN + DAY)
    assert its.key_of("person", pupil[0]) == key
    assert night.report.as_dict()["plan"]["itslearning/person"] == {"before": 300, "update": 1}
    updated = records(its.last_file(), "person", key)
    assert [p.get("recstatus") for p in updated] == ["2"]
