"""Search by fødselsnummer, API and web, on SQLite and PostgreSQL: only for the roles allowed it, matched
through the join keys' keyed hash, audited masked, and the number never shown back."""

from __future__ import annotations

from sqlalchemy import select

from edusync.console.auth import Principal
from edusync.services.national_ids import national_id_in
from edusync.storage import tables
from tests.console.conftest import CSRF, Console

PROBLEM = "application/problem+json"


def _pupil(site: Console) -> tuple[str, str, str]:
    """A pupil still in the source: (fødselsnummer, Feide name, metaverse id)."""
    pupil = site.ws.pupils()[0]
    found = site.bearer("console:read").get("/api/v1/objects", params={"q": pupil[4]}).json()["items"]
    return pupil[1], pupil[4], found[0]["id"]


def _stored_audit(site: Console) -> str:
    with site.db.begin() as conn:
        return " ".join(f"{r.action} {r.detail}" for r in conn.execute(select(tables.audit_log)))


def test_an_approver_finds_a_pupil_by_national_id_and_the_number_is_never_shown(console_site: Console) -> None:
    fnr, _, mv_id = _pupil(console_site)
    c = console_site.login("approver@fylke.no")
    answer = c.post("/api/v1/objects/by-national-id", json={"national_id": fnr})
    assert answer.status_code == 200, answer.text
    assert [o["id"] for o in answer.json()["items"]] == [mv_id] and fnr not in answer.text
    spaced = c.post("/api/v1/objects/by-national-id", json={"national_id": f"{fnr[:6]} {fnr[6:]}"})
    assert [o["id"] for o in spaced.json()["items"]] == [mv_id]
    nobody = c.post("/api/v1/objects/by-national-id", json={"national_id": "01010100000"})
    assert nobody.json()["items"] == []
    token = console_site.bearer("console:approve").post("/api/v1/objects/by-national-id", json={"national_id": fnr})
    assert [o["id"] for o in token.json()["items"]] == [mv_id], "console:approve stands for the approver role"
    entries = c.get("/api/v1/audit", params={"action": "national-id-search", "actor": "approver@fylke.no"}).json()
    assert {"national_id": fnr[:6] + "*****", "hits": 1} in [e["detail"] for e in entries["items"]]
    assert fnr not in _stored_audit(console_site), "the audit log holds the number masked only"


def test_a_national_id_in_a_url_is_refused_and_not_echoed(console_site: Console) -> None:
    fnr, _, _ = _pupil(console_site)
    c = console_site.login("admin@fylke.no")
    answer = c.get("/api/v1/objects", params={"q": fnr})
    assert answer.status_code == 400 and answer.headers["content-type"].startswith(PROBLEM)
    assert "POST /objects/by-national-id" in answer.json()["detail"] and fnr not in answer.text
    mixed = c.post("/api/v1/objects/by-national-id", json={"national_id": fnr + "9"})
    assert mixed.status_code == 400 and fnr not in mixed.text
    without_csrf = console_site.login("admin@fylke.no")
    del without_csrf.headers["X-CSRF-Token"]
    assert without_csrf.post("/api/v1/objects/by-national-id", json={"national_id": fnr}).status_code == 403


def test_a_viewer_is_refused_and_the_try_is_audited(console_site: Console) -> None:
    fnr, _, _ = _pupil(console_site)
    viewer = console_site.login("viewer@fylke.no")
    refused = viewer.post("/api/v1/objects/by-national-id", json={"national_id": fnr})
    assert refused.status_code == 403 and fnr not in refused.text
    assert viewer.get("/api/v1/objects", params={"q": fnr}).status_code == 403
    reader = console_site.bearer("console:read")
    assert reader.post("/api/v1/objects/by-national-id", json={"national_id": fnr}).status_code == 403
    operator = console_site.login("operator@fylke.no")
    assert operator.post("/api/v1/objects/by-national-id", json={"national_id": fnr}).status_code == 403
    tries = reader.get("/api/v1/audit", params={"action": "national-id-search-refused"}).json()["items"]
    assert {t["actor"] for t in tries} >= {"viewer@fylke.no", "operator@fylke.no"}
    assert all(t["detail"]["national_id"] == fnr[:6] + "*****" for t in tries)
    assert fnr not in _stored_audit(console_site)
    assert console_site.client().post("/api/v1/objects/by-national-id", json={"national_id": fnr}).status_code == 401


def test_the_web_search_offers_the_national_id_form_to_those_allowed_only(console_site: Console) -> None:
    fnr, feide, mv_id = _pupil(console_site)
    approver = console_site.login("approver@fylke.no")
    page = approver.get("/search").text
    assert 'action="/search/national-id"' in page
    found = approver.post("/search/national-id", data={"national_id": fnr, "csrf": approver.csrf})  # type: ignore[attr-defined]
    assert found.status_code == 200 and f"/objects/person/{mv_id}" in found.text
    assert fnr not in found.text and fnr[:6] + "*****" in found.text
    forged = approver.post("/search/national-id", data={"national_id": fnr, "csrf": "x" * 32})
    assert forged.status_code == 403
    in_url = approver.get("/search", params={"q": fnr})
    assert in_url.status_code == 400 and fnr not in in_url.text and 'value=""' in in_url.text
    viewer = console_site.login("viewer@fylke.no")
    assert 'action="/search/national-id"' not in viewer.get("/search").text
    csrf = CSRF.search(viewer.get("/search").text).group(1)  # type: ignore[union-attr]
    refused = viewer.post("/search/national-id", data={"national_id": fnr, "csrf": csrf})
    assert refused.status_code == 403 and fnr not in refused.text
    assert viewer.get("/search", params={"q": fnr}).status_code == 403
    assert viewer.get("/search", params={"q": feide}).status_code == 200, "other searches as before"


def test_a_token_counts_as_the_role_its_scope_stands_for() -> None:
    approve = Principal("t", frozenset({"read", "approve"}), "token", roles=("console:approve",))
    read = Principal("t", frozenset({"read"}), "token", roles=("console:read", "groups-edu"))
    admin = Principal("a", frozenset({"read", "admin"}), "session", roles=("admin",))
    allowed = ["approver", "admin"]
    assert approve.has_role(allowed) and admin.has_role(allowed) and not read.has_role(allowed)
    assert not admin.has_role([]), "an empty list lets nobody search"
    assert national_id_in("010203 12345") == "01020312345" and national_id_in("ola nordmann") is None
    assert national_id_in("0102031234567") is None, "a longer number is none"
