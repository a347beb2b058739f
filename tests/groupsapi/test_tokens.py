"""Bearer tokens: none, wrong, expired, revoked, without the scope, bound to a user or not; hashed at rest;
and the CLI that makes them, with ``edusync serve`` answering over HTTP."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from edusync.sandbox.serving import free_port
from edusync.services import tokens
from edusync.storage import tables
from tests.groupsapi.conftest import Api
from tests.groupsapi.site import PUPIL, STUDENT, Site

EDUSYNC = shutil.which("edusync")


def test_no_token_or_not_a_bearer_is_401_with_a_challenge(api: Api) -> None:
    for headers in ({}, {"Authorization": "Basic dXNlcjpwdw=="}, {"Authorization": "Bearer"}):
        with httpx.Client(base_url=api.url, headers=headers) as client:
            answer = client.get("/groups/me/groups")
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert answer.json()["error"] == "unauthorized"


def test_wrong_expired_and_revoked_tokens_are_401_invalid_token(api: Api) -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    expired = api.token("groups-edu", user=PUPIL, expires_in=dt.timedelta(days=30), at=long_ago)
    revoked = api.token("groups-edu", user=PUPIL)
    record = next(tok for tok in tokens.list_tokens(api.site.db) if revoked.startswith(tok.prefix))
    with api.client(revoked) as client:
        assert client.get("/groups/me/groups").status_code == 200
        tokens.revoke(api.site.db, record.id, actor="test")
        after = client.get("/groups/me/groups")
    for token, answer in (
        ("edusync_not-a-token", None),
        (api.token()[:-2] + "xx", None),
        (expired, None),
        (revoked, after),
    ):
        if answer is None:
            with api.client(token) as client:
                answer = client.get("/groups/me/groups")
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == 'Bearer realm="edusync", error="invalid_token"'
        assert answer.json()["error"] == "invalid_token"
    with api.client(expired) as client:
        assert "expired" in client.get("/groups/grouptypes").json()["message"]


def test_a_token_without_the_scope_is_403(api: Api) -> None:
    with api.client(api.token("groups-memberids", user=PUPIL)) as client:
        answer = client.get("/groups/me/groups")
    assert answer.status_code == 403
    assert answer.json()["error"] == "insufficient_scope"
    assert 'scope="groups-edu"' in answer.headers["WWW-Authenticate"]


def test_me_needs_a_token_bound_to_a_user(api: Api) -> None:
    with api.client(api.token()) as client:
        for url in ("/groups/me/groups", "/groups/me/groups/fc%3Aorg%3Aexample.org"):
            answer = client.get(url)
            assert answer.status_code == 403
            assert answer.json()["error"] == "personal_token_required"
        assert client.get("/groups/grouptypes").status_code == 200  # the rest is fine without a user
    with api.as_user(STUDENT.upper()) as client:  # Feide names are stored lower case
        assert client.get("/groups/me/groups").json()[0]["id"] == "fc:org:example.org"


def test_tokens_are_stored_only_as_hashes(api: Api) -> None:
    plain = api.token("groups-edu", user=PUPIL)
    with api.site.db.begin() as conn:
        rows = [tuple(str(v) for v in r) for r in conn.execute(tables.api_tokens.select())]
    assert any(hashlib.sha256(plain.encode()).hexdigest() in row for row in rows)
    assert not any(plain in value for row in rows for value in row)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scopes": ["groups-everything"]}, "unknown scope 'groups-everything'"),
        ({"scopes": []}, "at least one scope"),
        ({"scopes": ["groups-edu"], "user": "ola"}, "not a Feide name"),
    ],
)
def test_a_token_that_cannot_work_is_refused_when_made(
    fresh_site: Site, kwargs: dict[str, object], message: str
) -> None:
    fresh_site.write()
    scopes = kwargs.pop("scopes")
    with pytest.raises(tokens.BadTokenRequest, match=message):
        tokens.create(fresh_site.db, scopes, actor="test", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(tokens.BadTokenRequest, match="30d"):
        tokens.parse_duration("thirty days")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert EDUSYNC, "the edusync console script is not installed"
    env = {k: v for k, v in os.environ.items() if k not in ("EDUSYNC_DATABASE_URL", "EDUSYNC_CONFIG")}
    env |= {"EDUSYNC_ACTOR": "operator", "COLUMNS": "200"}
    return subprocess.run([EDUSYNC, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_cli_tokens_and_serve(fresh_site: Site) -> None:
    fresh_site.config["groups_api"] = {**fresh_site.config["groups_api"], "refresh_seconds": 1}
    fresh_site.run()
    folder = fresh_site.folder
    made = _cli("tokens", "create", "--scope", "groups-edu", "--user", PUPIL, "--expires-in", "30d", cwd=folder)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("edusync_") and "\n" not in token  # stdout is the token alone, for scripts
    assert "only time it is shown" in made.stderr
    made = _cli("tokens", "create", "--scope", "groups-edu", "--name", "lms", "--json", cwd=folder)
    service = json.loads(made.stdout)
    assert service["user"] is None and service["token"].startswith("edusync_")

    listed = json.loads(_cli("tokens", "list", "--json", cwd=folder).stdout)
    assert [(x["user"], x["status"], x["scopes"]) for x in listed] == [
        (PUPIL, "active", ["groups-edu"]),
        (None, "active", ["groups-edu"]),
    ]
    assert "token" not in listed[0] and token not in json.dumps(listed)
    assert listed[0]["expires_at"] > dt.datetime.now(dt.UTC).isoformat()

    bad = _cli("tokens", "create", "--scope", "everything", cwd=folder)
    assert bad.returncode == 1 and "unknown scope 'everything'" in bad.stderr

    port = free_port()
    server = subprocess.Popen(
        [EDUSYNC or "edusync", "serve", "--port", str(port)],
        cwd=folder,
        env={k: v for k, v in os.environ.items() if k != "EDUSYNC_DATABASE_URL"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "edusync serve did not start"
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {token}"}
        mine = httpx.get(f"{base}/groups/me/groups?showAll=true", headers=headers, timeout=10)
        assert mine.status_code == 200
        assert "fc:gogroup:eksempel.kommune.no:u:NO987654321:3a-matte:2000-07-01:2100-06-30" in {
            g["id"] for g in mine.json()
        }
        revoked = _cli("tokens", "revoke", str(listed[0]["id"]), cwd=folder)
        assert revoked.returncode == 0 and "revoked" in revoked.stdout
        assert httpx.get(f"{base}/groups/me/groups", headers=headers, timeout=10).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_a_token_for_a_feide_name_no_person_has_is_refused_unless_forced(fresh_site: Site) -> None:
    fresh_site.run()
    folder = fresh_site.folder
    typo = "ola.nordman@" + PUPIL.split("@")[1]
    refused = _cli("tokens", "create", "--scope", "groups-edu", "--user", typo, cwd=folder)
    assert refused.returncode == 1 and f"no person has the Feide name '{typo}'" in refused.stderr
    assert "--force" in refused.stderr and tokens.list_tokens(fresh_site.db) == []
    made = _cli("tokens", "create", "--scope", "groups-edu", "--user", PUPIL.upper(), cwd=folder)
    assert made.returncode == 0, made.stderr  # Feide names match in any case
    forced = _cli("tokens", "create", "--scope", "groups-edu", "--user", typo, "--force", "--json", cwd=folder)
    assert forced.returncode == 0 and json.loads(forced.stdout)["user"] == typo
