"""The web pages over real HTTP: sign-in, every page, CSRF on forms, roles, languages, masked numbers."""

from __future__ import annotations

from tests.console.conftest import CSRF, PASSWORD, Console


def test_pages_need_a_sign_in_and_a_wrong_password_is_refused_and_audited(console_site: Console) -> None:
    c = console_site.client()
    answer = c.get("/trash")
    assert answer.status_code == 303 and answer.headers["location"].endswith("/login?next=/trash")
    page = c.get("/login")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    wrong = c.post("/login", data={"username": "viewer@fylke.no", "password": "nope-nope-nope", "csrf": token})
    assert wrong.status_code == 401 and "Feil brukernavn eller passord" in wrong.text
    nobody = c.post("/login", data={"username": "nobody@fylke.no", "password": PASSWORD, "csrf": token})
    assert nobody.status_code == 401
    without = c.post("/login", data={"username": "viewer@fylke.no", "password": PASSWORD})
    assert without.status_code == 403
    audit = console_site.bearer("console:read").get("/api/v1/audit", params={"action": "login-failed"}).json()
    assert {a["actor"] for a in audit["items"]} >= {"viewer@fylke.no", "nobody@fylke.no"}


def test_every_page_renders_for_a_viewer_in_both_languages(console_site: Console) -> None:
    c = console_site.login("viewer@fylke.no")
    run = console_site.blocked
    pupil = console_site.ws.pupils()[0]
    found = c.get("/search", params={"q": pupil[4]})
    assert found.status_code == 200 and pupil[2] in found.text
    person = console_site.bearer("console:read").get("/api/v1/objects", params={"q": pupil[4]}).json()["items"][0]
    for path in ("/", "/runs", f"/runs/{run}", f"/runs/{run}/review", "/trash", f"/objects/person/{person['id']}"):
        answer = c.get(path)
        assert answer.status_code == 200, (path, answer.text[:500])
        assert '<html lang="nb">' in answer.text
    dashboard = c.get("/").text
    assert "Venter på en avgjørelse" in dashboard and f"/runs/{run}/review" in dashboard and "<svg" in dashboard
    review = c.get(f"/runs/{run}/review").text
    assert "person deletes" in review and "Bare en godkjenner" in review and 'name="hash"' not in review
    page = c.get(f"/objects/person/{person['id']}").text
    assert pupil[1] not in page and pupil[1][:6] + "*****" in page, "the fødselsnummer is masked"
    english = c.post("/language", data={"lang": "en", "csrf": c.csrf})  # type: ignore[attr-defined]
    assert english.status_code == 303
    assert "Waiting for a decision" in c.get("/").text
    c.post("/language", data={"lang": "nb", "csrf": c.csrf})  # type: ignore[attr-defined]


def test_a_form_without_the_csrf_token_is_refused(console_site: Console) -> None:
    c = console_site.login("approver@fylke.no")
    run = console_site.blocked
    digest = console_site.bearer("console:read").get(f"/api/v1/runs/{run}/review").json()["hash"]
    refused = c.post(f"/runs/{run}/approve", data={"hash": digest, "reason": "no token"}, headers={"X-CSRF-Token": ""})
    assert refused.status_code == 403
    forged = c.post(f"/runs/{run}/reject", data={"reason": "forged", "csrf": "x" * 32}, headers={"X-CSRF-Token": ""})
    assert forged.status_code == 403
    assert console_site.bearer("console:read").get(f"/api/v1/runs/{run}").json()["status"] == "blocked"


def test_a_viewer_cannot_approve_through_the_form(console_site: Console) -> None:
    c = console_site.login("viewer@fylke.no")
    run = console_site.blocked
    answer = c.post(f"/runs/{run}/approve", data={"hash": "0" * 32, "reason": "r", "csrf": c.csrf})  # type: ignore[attr-defined]
    assert answer.status_code == 403


def test_logout_ends_the_session_and_a_disabled_user_is_out(fresh_console: Console) -> None:
    from edusync.services import users

    c = fresh_console.login("operator@fylke.no")
    assert c.post("/logout", data={"csrf": c.csrf}).status_code == 303  # type: ignore[attr-defined]
    assert c.get("/").status_code == 303
    d = fresh_console.login("viewer@fylke.no")
    users.disable(fresh_console.db, "viewer@fylke.no", actor="admin")
    assert d.get("/").status_code == 303 and d.get("/api/v1/runs").status_code == 401


def test_health_and_the_groups_api_beside_the_console(console_site: Console) -> None:
    c = console_site.client()
    assert c.get("/health").json()["status"] == "ok"
    assert c.get("/groups/groups").status_code == 401, "the groups API is served and wants its own token"
    assert c.get("/api/v1/openapi.json").json()["info"]["title"] == "edusync console API"
