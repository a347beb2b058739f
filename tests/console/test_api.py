"""The REST API over real HTTP on SQLite and PostgreSQL: every endpoint, sign-in and roles, approvals."""

from __future__ import annotations

from sqlalchemy import func, select

from edusync.services import browse
from edusync.storage import tables
from tests.console.conftest import Console

PROBLEM = "application/problem+json"


def _problem(answer: object, status: int) -> dict[str, object]:
    assert answer.status_code == status, answer.text  # type: ignore[attr-defined]
    assert answer.headers["content-type"].startswith(PROBLEM)  # type: ignore[attr-defined]
    body: dict[str, object] = answer.json()  # type: ignore[attr-defined]
    assert body["status"] == status and body["detail"]
    return body


def test_without_a_session_or_token_every_route_is_401(console_site: Console) -> None:
    c = console_site.client()
    for path in ("/api/v1/runs", "/api/v1/objects?q=an", "/api/v1/trash", "/api/v1/targets", "/api/v1/audit"):
        _problem(c.get(path), 401)
    _problem(c.post(f"/api/v1/runs/{console_site.blocked}/approve", json={"hash": "x" * 12, "reason": "r"}), 401)
    bad = console_site.client(Authorization="Bearer edusync_not-a-token")
    _problem(bad.get("/api/v1/runs"), 401)


def test_a_token_without_a_console_scope_is_403(console_site: Console) -> None:
    _problem(console_site.bearer("groups-edu").get("/api/v1/runs"), 403)


def test_runs_list_filters_and_pages(console_site: Console) -> None:
    c = console_site.bearer("console:read")
    everything = c.get("/api/v1/runs").json()
    assert [r["id"] for r in everything["items"]] == [console_site.blocked, console_site.blocked - 1]
    blocked = c.get("/api/v1/runs", params={"status": "blocked"}).json()["items"]
    assert [r["id"] for r in blocked] == [console_site.blocked] and blocked[0]["waits_for_decision"]
    first = c.get("/api/v1/runs", params={"limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = c.get("/api/v1/runs", params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert second["items"][0]["id"] == console_site.blocked - 1 and second["next_cursor"] is None
    assert c.get("/api/v1/runs", params={"profile": "nope"}).json()["items"] == []
    _problem(c.get("/api/v1/runs", params={"cursor": "garbage!"}), 400)
    _problem(c.get("/api/v1/runs", params={"since": "yesterday"}), 400)
    _problem(c.get("/api/v1/runs", params={"limit": 501}), 422)


def test_one_run_its_steps_messages_review_and_changes(console_site: Console) -> None:
    c = console_site.bearer("console:read")
    run_id = console_site.blocked
    run = c.get(f"/api/v1/runs/{run_id}").json()
    assert run["status"] == "blocked" and run["block"]["kind"] == "threshold"
    steps = c.get(f"/api/v1/runs/{run_id}/steps").json()
    assert [s["step"] for s in steps] == run["steps"] and steps[0]["done"] and steps[0]["ms"] is not None
    assert c.get(f"/api/v1/runs/{run_id}/messages").json()["errors"] == []
    review = c.get(f"/api/v1/runs/{run_id}/review").json()
    assert review["waits_for_decision"] and review["hash"] == run["block"]["hash"]
    assert any("person deletes" in r for r in review["reasons"])
    person_deletes = sum(g.get("delete", 0) for g in review["groups"] if g["object_type"] == "person")
    assert person_deletes == len(console_site.gone)
    assert all(s["op"] == "delete" and s["after"] is None and s["before"] for s in review["samples"]["delete"])
    cs = review["change_set_id"]
    deletes = c.get(
        f"/api/v1/runs/{run_id}/change-sets/{cs}/changes",
        params={"object_type": "person", "op": "delete", "limit": 500},
    )
    items = deletes.json()["items"]
    assert len(items) == len(console_site.gone) and {i["op"] for i in items} == {"delete"}
    page = c.get(f"/api/v1/runs/{run_id}/change-sets/{cs}/changes", params={"limit": 5}).json()
    rest = c.get(
        f"/api/v1/runs/{run_id}/change-sets/{cs}/changes", params={"limit": 5, "cursor": page["next_cursor"]}
    ).json()
    assert {i["id"] for i in page["items"]}.isdisjoint(i["id"] for i in rest["items"])
    csv = c.get(f"/api/v1/runs/{run_id}/change-sets/{cs}/changes.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    total = sum(sum(ops.values()) for ops in review["counts"].values())
    assert lines[0].startswith("id,object_type,key,op") and len(lines) == total + 1
    _problem(c.get(f"/api/v1/runs/{run_id}/change-sets/999999/changes"), 404)
    _problem(c.get("/api/v1/runs/999999"), 404)


def test_search_finds_a_pupil_by_name_feide_name_and_anchor_and_masks_the_fnr(console_site: Console) -> None:
    c = console_site.bearer("console:read")
    pupil = next(p for p in console_site.ws.pupils())
    anchor, fnr, first, last, feide = pupil[0], pupil[1], pupil[2], pupil[3], pupil[4]
    by_name = c.get("/api/v1/objects", params={"q": f"{first} {last}", "type": "person"}).json()["items"]
    assert any(o["feide"] == feide for o in by_name)
    by_feide = c.get("/api/v1/objects", params={"q": feide}).json()["items"]
    assert [o["feide"] for o in by_feide] == [feide]
    by_anchor = c.get("/api/v1/objects", params={"q": anchor}).json()["items"]
    assert [o["id"] for o in by_anchor] == [by_feide[0]["id"]]
    refused = c.get("/api/v1/objects", params={"q": fnr})
    assert refused.status_code == 403 and fnr not in refused.text, "a reader may not search by fødselsnummer"
    one = c.get(f"/api/v1/objects/person/{by_feide[0]['id']}")
    assert fnr not in one.text and fnr[:6] + "*****" in one.text
    body = one.json()
    assert body["lineage"]["displayName"]["connector"] == "sis" and body["memberships"]
    assert body["history"] and body["history"][0]["target"] == "lms"
    assert c.get(f"/api/v1/objects/person/{anchor}/history").json() == body["history"]
    _problem(c.get("/api/v1/objects", params={"q": "a"}), 400)
    _problem(c.get("/api/v1/objects/person/nobody-here"), 404)


def test_trash_targets_and_audit_are_listed(console_site: Console) -> None:
    c = console_site.bearer("console:read")
    grace = c.get("/api/v1/trash", params={"type": "person", "limit": 500}).json()["items"]
    assert len(grace) == len(console_site.gone) and all(o["state"] in ("grace", "disabled") for o in grace)
    targets = c.get("/api/v1/targets").json()
    assert [t["name"] for t in targets] == ["lms"]
    assert targets[0]["last"]["status"] == "blocked" and targets[0]["holds"]["person"]["present"] == 300
    assert c.get("/api/v1/targets/lms/failures").json()["items"] == []
    _problem(c.get("/api/v1/targets/nowhere/failures"), 404)
    assert c.get("/api/v1/audit", params={"action": "login-failed"}).json()["items"] == []


def test_a_viewer_may_read_but_not_approve_restore_or_retry(console_site: Console) -> None:
    c = console_site.login("viewer@fylke.no")
    assert c.get("/api/v1/me").json()["permissions"] == ["read"]
    run = console_site.blocked
    _problem(c.post(f"/api/v1/runs/{run}/approve", json={"hash": "0" * 32, "reason": "no"}), 403)
    _problem(c.post("/api/v1/trash/restore", json={"ids": ["x"]}), 403)
    _problem(c.post("/api/v1/targets/lms/retry"), 403)
    reader = console_site.bearer("console:read")
    _problem(reader.post(f"/api/v1/runs/{run}/reject", json={"reason": "no"}), 403)


def test_a_session_call_that_changes_something_needs_the_csrf_header(console_site: Console) -> None:
    c = console_site.login("approver@fylke.no")
    del c.headers["X-CSRF-Token"]
    body = _problem(c.post(f"/api/v1/runs/{console_site.blocked}/reject", json={"reason": "r"}), 403)
    assert "CSRF" in str(body["detail"])
    assert browse.get_run(console_site.db, console_site.blocked)["status"] == "blocked"


def _holdings(site: Console) -> dict[str, dict[str, int]]:
    to = tables.target_objects
    out: dict[str, dict[str, int]] = {}
    with site.db.begin() as conn:
        for object_type, state, n in conn.execute(
            select(to.c.object_type, to.c.state, func.count()).group_by(to.c.object_type, to.c.state)
        ):
            out.setdefault(object_type, {})[state] = n
    return out


def test_approval_is_bound_to_the_hash_and_the_run_finishes(fresh_console: Console) -> None:
    site, run = fresh_console, fresh_console.blocked
    c = site.login("approver@fylke.no")
    digest = c.get(f"/api/v1/runs/{run}/review").json()["hash"]
    holds_before = c.get("/api/v1/targets").json()[0]["holds"]
    _problem(c.post(f"/api/v1/runs/{run}/approve", json={"hash": digest[:8], "reason": "ok"}), 422)
    _problem(c.post(f"/api/v1/runs/{run}/approve", json={"hash": "0123456789ab", "reason": "ok"}), 409)
    _problem(c.post(f"/api/v1/runs/{run}/approve", json={"hash": digest[:12], "reason": " "}), 422)
    answer = c.post(f"/api/v1/runs/{run}/approve", json={"hash": digest[:12], "reason": "the pupils did leave"})
    assert answer.status_code == 202 and answer.json() == {
        "run_id": run,
        "decision": "approved",
        "by": "approver@fylke.no",
        "resuming": True,
    }
    done = site.wait_for(run, "done", "failed", "partial")
    assert done["status"] == "done", done["errors"]
    holds_after = c.get("/api/v1/targets").json()[0]["holds"]
    assert holds_after == _holdings(site) != holds_before, "the dashboard's counts follow the export at once"
    entries = c.get("/api/v1/audit", params={"run_id": run}).json()["items"]
    assert [(a["actor"], a["action"], a["detail"]["reason"]) for a in entries if a["action"] == "approve"] == [
        ("approver@fylke.no", "approve", "the pupils did leave")
    ]
    _problem(c.post(f"/api/v1/runs/{run}/approve", json={"hash": digest, "reason": "again"}), 409)


def test_four_eyes_and_a_replaced_change_set(fresh_console: Console) -> None:
    site, run = fresh_console, fresh_console.blocked
    both = site.login("both@fylke.no")
    person = both.get("/api/v1/trash", params={"type": "person", "limit": 1}).json()["items"][0]["id"]
    assert both.post("/api/v1/trash/restore", json={"ids": [person]}).json()["restored"][0]["id"] == person
    site.ws.remove_persons({next(p[0] for p in site.ws.pupils())})
    second = site.ws.run(day=2)
    assert second.status == "blocked"
    digest = both.get(f"/api/v1/runs/{second.run_id}/review").json()["hash"]
    body = _problem(both.post(f"/api/v1/runs/{second.run_id}/approve", json={"hash": digest, "reason": "r"}), 403)
    assert "four-eyes" in str(body["detail"])
    old = site.bearer("console:approve", user="rektor@fylke.no")
    old_hash = browse.get_run(site.db, run)["block"]["hash"]
    _problem(old.post(f"/api/v1/runs/{run}/approve", json={"hash": old_hash, "reason": "late"}), 409)
    rejected = site.login("approver@fylke.no").post(f"/api/v1/runs/{second.run_id}/reject", json={"reason": "no"})
    assert rejected.status_code == 200 and browse.get_run(site.db, second.run_id)["status"] == "rejected"


def test_restore_many_and_retry(fresh_console: Console) -> None:
    site = fresh_console
    c = site.bearer("console:operate", user="drift@fylke.no")
    ids = [o["id"] for o in c.get("/api/v1/trash", params={"type": "person", "limit": 3}).json()["items"]]
    out = c.post("/api/v1/trash/restore", json={"ids": [*ids, "per-nothing"]}).json()
    assert [r["id"] for r in out["restored"]] == ids and out["refused"][0]["id"] == "per-nothing"
    restored = {o["id"] for o in c.get("/api/v1/trash", params={"type": "person", "limit": 500}).json()["items"]}
    assert restored.isdisjoint(ids)
    retry = c.post("/api/v1/targets/lms/retry")
    assert retry.status_code == 202 and retry.json()["profile"] == "nightly"
    actions = [(a["actor"], a["action"]) for a in c.get("/api/v1/audit").json()["items"]]
    assert ("drift@fylke.no", "retry") in actions and ("drift@fylke.no", "restore") in actions
