"""The admin's API and pages: users, tokens and the config view, on SQLite and PostgreSQL; roles and CSRF."""

from __future__ import annotations

from pathlib import Path

import pytest

from edusync.services import config_view
from tests.console.conftest import CSRF, PASSWORD, Console

ADMIN_GETS = ("/api/v1/admin/users", "/api/v1/admin/tokens", "/api/v1/admin/config")


def test_only_a_signed_in_admin_gets_in(console_site: Console) -> None:
    anonymous = console_site.client()
    for path in ADMIN_GETS:
        assert anonymous.get(path).status_code == 401
    new = {"username": "x@fylke.no", "roles": ["viewer"]}
    assert anonymous.post("/api/v1/admin/users", json=new).status_code == 401
    for name in ("viewer@fylke.no", "operator@fylke.no", "approver@fylke.no", "both@fylke.no"):
        c = console_site.login(name)
        for path in ADMIN_GETS:
            assert c.get(path).status_code == 403, (name, path)
        assert c.post("/api/v1/admin/tokens", json={"scopes": ["console:read"]}).status_code == 403
        assert c.get("/admin/users").status_code == 403
    every_scope = console_site.bearer("console:read", "console:operate", "console:approve")
    assert all(every_scope.get(path).status_code == 403 for path in ADMIN_GETS), "no token is an admin"
    admin = console_site.login("admin@fylke.no")
    assert all(admin.get(path).status_code == 200 for path in ADMIN_GETS)


def test_an_admin_makes_changes_the_roles_of_and_disables_a_user(fresh_console: Console) -> None:
    admin = fresh_console.login("admin@fylke.no")
    body = {"username": "Ny@Fylke.no", "roles": ["viewer"], "password": PASSWORD, "display_name": "Ny Bruker"}
    made = admin.post("/api/v1/admin/users", json=body)
    assert made.status_code == 201 and made.json()["username"] == "ny@fylke.no" and PASSWORD not in made.text
    assert admin.post("/api/v1/admin/users", json=body).status_code == 400, "the name is taken"
    short = {**body, "username": "k@fylke.no", "password": "short"}
    assert admin.post("/api/v1/admin/users", json=short).status_code == 422
    assert fresh_console.login("ny@fylke.no").get("/api/v1/me").json()["permissions"] == ["read"]
    changed = admin.put("/api/v1/admin/users/ny@fylke.no/roles", json={"roles": ["operator", "viewer"]})
    assert changed.json()["roles"] == ["viewer", "operator"]
    assert fresh_console.login("ny@fylke.no").get("/api/v1/me").json()["permissions"] == ["operate", "read"]
    assert admin.put("/api/v1/admin/users/ny@fylke.no/roles", json={"roles": ["root"]}).status_code == 422
    session = fresh_console.login("ny@fylke.no")
    disabled = admin.post("/api/v1/admin/users/ny@fylke.no/disable")
    assert disabled.status_code == 200 and disabled.json()["disabled_at"]
    assert session.get("/api/v1/me").status_code == 401, "an open session ends at its next request"
    assert admin.post("/api/v1/admin/users/nobody@fylke.no/disable").status_code == 404
    assert admin.post("/api/v1/admin/users/admin@fylke.no/disable").status_code == 409
    assert admin.put("/api/v1/admin/users/admin@fylke.no/roles", json={"roles": ["viewer"]}).status_code == 409
    del admin.headers["X-CSRF-Token"]
    assert admin.post("/api/v1/admin/users/viewer@fylke.no/disable").status_code == 403
    actions = [a["action"] for a in fresh_console.bearer("console:read").get("/api/v1/audit").json()["items"]]
    assert {"user-create", "user-roles", "user-disable"} <= set(actions)


def test_a_token_is_shown_once_works_and_stops_when_revoked(fresh_console: Console) -> None:
    admin = fresh_console.login("admin@fylke.no")
    made = admin.post("/api/v1/admin/tokens", json={"scopes": ["console:read"], "name": "grafana", "expires_in": "30d"})
    assert made.status_code == 201
    plain, token_id = made.json()["token"], made.json()["id"]
    assert plain.startswith("edusync_") and made.json()["expires_at"]
    listed = admin.get("/api/v1/admin/tokens")
    assert plain not in listed.text and listed.json()[0]["name"] == "grafana"
    reader = fresh_console.client(Authorization=f"Bearer {plain}")
    assert reader.get("/api/v1/runs").status_code == 200
    bad = admin.post("/api/v1/admin/tokens", json={"scopes": ["everything"]})
    assert bad.status_code == 400 and "unknown scope" in bad.json()["detail"]
    soon = {"scopes": ["console:read"], "expires_in": "soon"}
    assert admin.post("/api/v1/admin/tokens", json=soon).status_code == 400
    revoked = admin.post(f"/api/v1/admin/tokens/{token_id}/revoke")
    assert revoked.json()["status"] == "revoked"
    assert reader.get("/api/v1/runs").status_code == 401
    assert admin.post("/api/v1/admin/tokens/999999/revoke").status_code == 404


def test_the_admin_pages_in_both_languages_with_csrf(fresh_console: Console) -> None:
    admin = fresh_console.login("admin@fylke.no")
    users_page = admin.get("/admin/users")
    assert users_page.status_code == 200 and "viewer@fylke.no" in users_page.text and "Ny bruker" in users_page.text
    assert admin.post("/admin/users", data={"username": "x@fylke.no", "roles": "viewer"}).status_code == 403
    made = admin.post(
        "/admin/users",
        data={"username": "web@fylke.no", "roles": ["viewer", "approver"], "password": PASSWORD, "csrf": admin.csrf},  # type: ignore[attr-defined]
    )
    assert made.status_code == 201 and "Bruker opprettet" in made.text and PASSWORD not in made.text
    assert fresh_console.login("web@fylke.no").get("/api/v1/me").json()["roles"] == ["viewer", "approver"]
    token_page = admin.post(
        "/admin/tokens",
        data={"scopes": ["console:read"], "name": "web", "csrf": admin.csrf},  # type: ignore[attr-defined]
    )
    assert token_page.status_code == 201 and token_page.headers["cache-control"] == "no-store"
    plain = token_page.text.split('<code id="new-token">')[1].split("</code>")[0]
    assert plain.startswith("edusync_") and plain not in admin.get("/admin/tokens").text, "shown once"
    config = admin.get("/admin/config")
    assert config.status_code == 200 and "storage:" in config.text
    admin.post("/language", data={"lang": "en", "csrf": admin.csrf})  # type: ignore[attr-defined]
    assert "New user" in admin.get("/admin/users").text and "Administration" in admin.get("/admin/tokens").text
    viewer = fresh_console.login("viewer@fylke.no")
    assert "/admin/users" not in viewer.get("/").text
    csrf = CSRF.search(viewer.get("/").text).group(1)  # type: ignore[union-attr]
    assert viewer.post("/admin/users/admin@fylke.no/disable", data={"csrf": csrf}).status_code == 403


def test_the_config_view_shows_references_never_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "hemmelig-passord")
    path = tmp_path / "edusync.yaml"
    path.write_text(
        "storage: {url: 'postgresql://edusync:${DB_PASSWORD}@db/edusync'}\n"
        "mail: {host: smtp.fylke.no, password: '${SMTP_PASSWORD}'}\n"
        "console: {secret_env: EDUSYNC_CONSOLE_SECRET}\n"
        "connectors: {sis: {settings: {token: written-here, dsn: 'mysql://u:pw@h/x', pin: 12345678901}}}\n",
        encoding="utf-8",
    )
    view = config_view.read(path)["config"]
    assert view["storage"]["url"] == "postgresql://edusync:${DB_PASSWORD}@db/edusync"
    assert view["mail"]["password"] == "${SMTP_PASSWORD}" and "hemmelig" not in config_view.as_yaml({"config": view})
    assert view["console"]["secret_env"] == "EDUSYNC_CONSOLE_SECRET", "a variable's name is no secret"
    settings = view["connectors"]["sis"]["settings"]
    assert settings["token"] == "***" and settings["dsn"] == "mysql://u:***@h/x"
    assert settings["pin"] == "123456*****", "an 11-digit number is masked as a fødselsnummer would be"
