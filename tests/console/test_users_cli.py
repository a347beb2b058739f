"""``edusync users create|list|disable`` as a person types them, and what a sign-in then finds."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess

import httpx
import pytest
from sqlalchemy import select

from edusync.console.app import create_app
from edusync.sandbox.serving import serve_in_thread
from edusync.services import users
from edusync.storage import tables
from tests.workspace import Workspace

EDUSYNC = shutil.which("edusync")


def _cli(ws: Workspace, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    assert EDUSYNC, "the edusync console script is not installed"
    env = {**os.environ, "EDUSYNC_ACTOR": "it@fylke.no"}
    env.pop("EDUSYNC_NEW_PASSWORD", None)
    if password is not None:
        env["EDUSYNC_NEW_PASSWORD"] = password
    return subprocess.run(
        [EDUSYNC, *args, "--config", str(ws.config_path)], capture_output=True, text=True, env=env, timeout=120
    )


def test_users_are_made_listed_and_disabled(sqlite_workspace: Workspace) -> None:
    ws = sqlite_workspace
    made = _cli(ws, "users", "create", "Rektor@Fylke.no", "--role", "approver", "--name", "Rita", password="a" * 12)
    assert made.returncode == 0, made.stderr
    short = _cli(ws, "users", "create", "kort@fylke.no", "--role", "viewer", password="short")
    assert short.returncode == 1 and "10 characters" in short.stderr
    unknown = _cli(ws, "users", "create", "x@fylke.no", "--role", "boss", password="a" * 12)
    assert unknown.returncode == 1 and "roles must be some of" in unknown.stderr
    listed = json.loads(_cli(ws, "users", "list", "--json").stdout)
    assert [(u["username"], u["roles"], u["local"]) for u in listed] == [("rektor@fylke.no", ["approver"], True)]
    with ws.db.begin() as conn:
        stored = conn.execute(select(tables.console_users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "a" * 12 not in stored
    assert users.authenticate(ws.db, "rektor@fylke.no", "a" * 12).username == "rektor@fylke.no"
    assert _cli(ws, "users", "disable", "rektor@fylke.no").returncode == 0
    with pytest.raises(users.SignInRefused):
        users.authenticate(ws.db, "rektor@fylke.no", "a" * 12)
    missing = _cli(ws, "users", "disable", "nobody@fylke.no")
    assert missing.returncode == 1 and "no user" in missing.stderr


def test_a_base_path_moves_everything_and_each_request_is_logged(
    sqlite_workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    ws = sqlite_workspace
    ws.settings["console"] = {"base_path": "/edusync", "groups_api": False}
    ws.write()
    caplog.set_level(logging.INFO, logger="edusync.access")
    with serve_in_thread(create_app(ws.loaded, ws.db)) as url, httpx.Client(base_url=url) as c:
        assert c.get("/edusync/health").json()["status"] == "ok"
        assert c.get("/health").status_code == 404
        login = c.get("/edusync/trash")
        assert login.status_code == 303 and login.headers["location"] == "/edusync/login?next=/edusync/trash"
        assert 'action="/edusync/login"' in c.get("/edusync/login").text
        assert c.get("/edusync/groups/groups").status_code == 404, "the groups API is switched off"
        assert c.get("/edusync/api/v1/runs?q=12345678901").status_code == 401
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "edusync.access"]
    assert {"method": "GET", "path": "/edusync/health", "status": 200} in [
        {k: line[k] for k in ("method", "path", "status")} for line in lines
    ]
    assert all("12345678901" not in json.dumps(line) for line in lines), "no query string is logged"
