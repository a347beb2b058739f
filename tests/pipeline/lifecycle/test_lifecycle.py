"""Grace, trash, restore and purge, by the clock and by returning sync keys."""

from __future__ import annotations

from edusync.services import objects
from tests.workspace import Workspace


def _grace(ws: Workspace, days: int, retention: int = 30) -> None:
    ws.settings["lifecycle"]["person"] = {"grace_days": days, "retention_days": retention}
    ws.settings["lifecycle"]["membership"] = {"grace_days": days, "retention_days": retention}
    ws.write()


def _person_ops(ws: Workspace, since: int, key: str) -> list[str]:
    return [c["op"] for c in ws.out_lines()[since:] if c["object_type"] == "person" and c["key"] == key]


def test_grace_keeps_a_leaver_provisioned_until_it_runs_out(workspace: Workspace) -> None:
    _grace(workspace, 3)
    workspace.run()
    sent = len(workspace.out_lines())
    leaver = workspace.pupils()[0]
    workspace.remove_persons({leaver[0]})
    workspace.run(day=1)
    shown = workspace.show("person", leaver[0])
    assert shown["state"] == "grace"
    assert _person_ops(workspace, sent, shown["id"]) == [], "still provisioned during grace"
    assert any(item["id"] == shown["id"] and item["state"] == "grace" for item in objects.trash(workspace.db))
    workspace.run(day=3)
    assert workspace.show("person", leaver[0])["state"] == "grace"
    workspace.run(day=4)
    assert workspace.show("person", leaver[0])["state"] == "disabled"
    assert _person_ops(workspace, sent, shown["id"]) == ["delete"]
    deleted = [c for c in workspace.out_lines()[sent:] if c["key"] == shown["id"]]
    assert deleted[0]["soft"] is True


def test_a_returning_sync_key_restores_from_the_trash(workspace: Workspace) -> None:
    workspace.run()
    sent = len(workspace.out_lines())
    leaver = list(workspace.pupils()[0])
    memberships = [list(m) for m in workspace.county.memberships if m[1] == leaver[0]]
    workspace.remove_persons({leaver[0]})
    workspace.run(day=1)
    key = workspace.show("person", leaver[0])["id"]
    assert workspace.show("person", leaver[0])["state"] == "disabled"
    workspace.county.persons.append(leaver)
    workspace.county.memberships += memberships
    restored = workspace.run(day=2)
    assert restored.report.as_dict()["lifecycle"]["person"]["restored"] == 1
    shown = workspace.show("person", leaver[0])
    assert shown["state"] == "active" and shown["id"] == key, "the same object comes back, not a new one"
    assert _person_ops(workspace, sent, key) == ["delete", "restore"]
    member_ops = [c["op"] for c in workspace.out_lines()[sent:] if c["object_type"] == "membership"]
    assert member_ops.count("restore") == len(memberships)


def test_trash_is_purged_after_retention(workspace: Workspace) -> None:
    _grace(workspace, 0, retention=10)
    workspace.run()
    leaver = workspace.pupils()[0]
    workspace.remove_persons({leaver[0]})
    workspace.run(day=1)
    assert workspace.show("person", leaver[0])["state"] == "disabled"
    workspace.run(day=10)
    assert workspace.show("person", leaver[0])["state"] == "disabled"
    purged = workspace.run(day=11)
    assert purged.report.as_dict()["lifecycle"]["person"]["to_purged"] == 1
    shown = workspace.show("person", leaver[0])
    assert shown["state"] == "purged"
    assert shown["attributes"] == {} and shown["lineage"] == {}, "no personal data is kept after purge"


def test_manual_restore_from_trash_is_provisioned_by_the_next_run(workspace: Workspace) -> None:
    workspace.run()
    leaver = workspace.pupils()[0]
    workspace.remove_persons({leaver[0]})
    workspace.run(day=1)
    key = workspace.show("person", leaver[0])["id"]
    sent = len(workspace.out_lines())
    objects.restore(workspace.db, key, "it-drift")
    assert workspace.show("person", key)["state"] == "active"
    workspace.run(day=2)
    assert _person_ops(workspace, sent, key) == ["restore"]


def test_memberships_follow_their_person_into_the_trash(workspace: Workspace) -> None:
    """A person filtered out by the criteria takes its memberships along, even though the source still lists them."""
    workspace.run()
    pupil = workspace.pupils()[0]
    pupil[6] = "guest"  # fails the import criteria (role must be student, teacher or staff)
    outcome = workspace.run(day=1)
    assert outcome.report.as_dict()["sync"]["sis/person"]["filtered"] == 1
    shown = workspace.show("person", pupil[0])
    assert shown["state"] == "disabled"
    held = [m for m in workspace.county.memberships if m[1] == pupil[0]]
    states = {workspace.show("membership", m[0])["state"] for m in held}
    assert states == {"disabled"}
    assert outcome.report.as_dict()["lifecycle"]["membership"]["disabled_with_owner"] == len(held)
