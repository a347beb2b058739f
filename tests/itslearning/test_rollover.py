"""The school-year rollover: keys per school year or a year hierarchy, and the window that lets the
expected new year through while a broken night inside it is still stopped."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.itslearning.conftest import NS, Itslearning, members, records

JUNE = dt.date(2026, 6, 10)  # school year 2025/2026
NEW_YEAR = dt.date(2026, 8, 12)  # school year 2026/2027, day 12 of it

YEAR_KEYS = {
    "starts": "08-01",
    "window_days": 21,
    "keys": "school_year",
    "object_types": ["group", "membership"],
    "references": ["group"],
}


def _rollover(its: Itslearning, **changes: Any) -> None:
    its.rules(rollover={**YEAR_KEYS, **changes})


def test_keys_carry_the_school_year_and_a_new_year_in_its_window_passes(its: Itslearning) -> None:
    _rollover(its)
    first = its.night(JUNE)
    assert first.status == "done", first.report.errors
    gid = its.county.groups[0][0]
    mv = its.key_of("group", gid)
    old, new = f"{mv}.2025-26", f"{mv}.2026-27"
    tree = its.last_file()
    assert records(tree, "group", old) and records(tree, "group", mv) == []
    assert len(members(tree, old)) == sum(1 for m in its.county.memberships if m[2] == gid)

    rolled = its.night(NEW_YEAR)
    assert rolled.status == "done", (rolled.report.errors, rolled.report.warnings)
    counts = rolled.report.as_dict()
    n_groups, n_members = len(its.county.groups), len(its.county.memberships)
    assert counts["plan"]["itslearning/group"] == {"before": n_groups, "add": n_groups, "archive": n_groups}
    assert counts["plan"]["itslearning/membership"] == {"before": n_members, "add": n_members, "forget": n_members}
    assert counts["rollover"]["itslearning/group"] == {"add": n_groups, "archive": n_groups}
    assert counts["rollover"]["itslearning/membership"] == {"add": n_members, "forget": n_members}
    assert "itslearning/person" not in counts["rollover"]
    tree = its.last_file()
    assert [g.get("recstatus") for g in records(tree, "group", old)] == ["3"], "last year's course is archived"
    assert [g.get("recstatus") for g in records(tree, "group", new)] == ["1"], "this year's is a new course"
    assert members(tree, old) == [], "last year's members stay in the archived course as manual members"
    assert {
        r.get("recstatus") for r in tree.xpath(f"//p:membership[p:sourcedid/p:id='{new}']//p:role", namespaces=NS)
    } == {"1"}
    assert its.state_of("group", old) == "archived" and its.state_of("group", new) == "present"
    quiet = its.night(NEW_YEAR + dt.timedelta(days=1))
    assert quiet.status == "done" and quiet.report.as_dict()["plan"]["itslearning/group"] == {"before": 2 * n_groups}


def test_the_same_new_year_outside_its_window_is_stopped(its: Itslearning) -> None:
    _rollover(its, window_days=5)
    its.night(JUNE)
    sent = its.files()
    late = its.night(NEW_YEAR)
    assert late.status == "failed" and late.exit_code == 1
    assert any("group archives are 100.0 % of 24" in e for e in late.report.errors), late.report.errors
    assert any("outside its window" in w for w in late.report.warnings)
    assert its.files() == sent, "nothing was sent"


def test_a_broken_night_inside_the_window_is_still_stopped(its: Itslearning) -> None:
    _rollover(its)
    its.night(JUNE)
    sent = its.files()
    pupils = its.pupils()
    its.remove_persons({p[0] for p in pupils[: len(pupils) * 2 // 5]})
    broken = its.night(NEW_YEAR)
    assert broken.status == "failed"
    errors = " ".join(broken.report.errors)
    assert "person deletes are" in errors and "group" not in errors, errors
    assert its.files() == sent


def test_rollover_thresholds_replace_the_targets_own_inside_the_window(its: Itslearning) -> None:
    _rollover(its, thresholds={"person": {"delete": {"max_percent": 50}}})
    its.night(JUNE)
    pupils = its.pupils()
    its.remove_persons({p[0] for p in pupils[: len(pupils) // 4]})  # the leavers of a school year
    night = its.night(NEW_YEAR)
    assert night.status == "done", night.report.errors
    assert night.report.as_dict()["plan"]["itslearning/person"]["delete"] == len(pupils) // 4


def test_a_school_year_hierarchy_is_replaced_at_rollover(its: Itslearning) -> None:
    its.rules(
        rollover={
            "starts": "08-01",
            "window_days": 21,
            "keys": "hierarchy",
            "object_types": ["group"],
            "parent": "parent",
            "node_type": "organisation",
            "node_name": "Skoleåret {year}",
            "node_attrs": {"groupType": "skole"},
        }
    )
    first = its.night(JUNE)
    assert first.status == "done", first.report.errors
    school = its.key_of("organisation", its.county.orgs[0][0])
    gkey = its.key_of("group", its.county.groups[0][0])
    node, next_node = f"{school}.2025-26", f"{school}.2025-26".replace("2025-26", "2026-27")
    tree = its.last_file()
    (node_el,) = records(tree, "group", node)
    assert node_el.findtext("p:description/p:short", namespaces=NS) == "Skoleåret 2025/2026"
    assert node_el.xpath("p:relationship/p:sourcedid/p:id/text()", namespaces=NS) == [school]
    (group_el,) = records(tree, "group", gkey)
    assert group_el.xpath("p:relationship/p:sourcedid/p:id/text()", namespaces=NS) == [node]
    assert first.report.as_dict()["plan"]["itslearning/organisation"]["add"] == 3 + 3

    rolled = its.night(NEW_YEAR)
    assert rolled.status == "done", (rolled.report.errors, rolled.report.warnings)
    counts = rolled.report.as_dict()
    n_groups = len(its.county.groups)
    assert counts["plan"]["itslearning/organisation"] == {"before": 6, "add": 3, "delete": 3}
    assert counts["plan"]["itslearning/group"] == {"before": n_groups, "update": n_groups}
    assert counts["rollover"]["itslearning/group"] == {"update": n_groups}
    assert counts["rollover"]["itslearning/organisation"] == {"add": 3, "delete": 3}
    tree = its.last_file()
    assert [n.get("recstatus") for n in records(tree, "group", node)] == ["3"], "last year's hierarchy is removed"
    assert [n.get("recstatus") for n in records(tree, "group", next_node)] == ["1"]
    (moved,) = records(tree, "group", gkey)
    assert moved.get("recstatus") == "2"
    assert moved.xpath("p:relationship/p:sourcedid/p:id/text()", namespaces=NS) == [next_node]
    assert its.state_of("organisation", node) is None and its.state_of("organisation", next_node) == "present"
