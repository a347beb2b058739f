"""OpenID Connect sign-in against a provider on loopback: a good ID token signs in; a wrong issuer,
a bad signature and an expired token are refused and audited."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from edusync.console.app import create_app
from edusync.sandbox.serving import free_port, serve_in_thread
from edusync.services import browse, users
from tests.console.oidc_provider import Provider, provider_app
from tests.workspace import Workspace


@pytest.fixture
def oidc_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Provider, Workspace]]:
    monkeypatch.delenv("EDUSYNC_DATABASE_URL", raising=False)
    port = free_port()
    provider = Provider(issuer=f"http://127.0.0.1:{port}")
    monkeypatch.setenv("EDUSYNC_OIDC_CLIENT_SECRET", provider.client_secret)
    with ExitStack() as stack:
        stack.enter_context(serve_in_thread(provider_app(provider), port=port))
        ws = Workspace(tmp_path / "ws")
        ws.settings["storage"] = {"url": f"sqlite:///{tmp_path / 'edusync.db'}"}
        ws.settings["console"] = {
            "oidc": {"issuer": provider.issuer, "client_id": provider.client_id, "default_roles": ["viewer"]}
        }
        ws.write()
        stack.callback(ws.close)
        url = stack.enter_context(serve_in_thread(create_app(ws.loaded, ws.db)))
        yield url, provider, ws


def _sign_in(url: str) -> httpx.Response:
    with httpx.Client(base_url=url, follow_redirects=True, timeout=30) as c:
        answer = c.get("/login/oidc")
        answer.extensions["me"] = c.get("/api/v1/me").json() if answer.status_code == 200 else None
        return answer


def test_a_good_id_token_signs_in_with_the_default_role(oidc_site: tuple[str, Provider, Workspace]) -> None:
    url, _, ws = oidc_site
    answer = _sign_in(url)
    assert answer.status_code == 200 and answer.url.path == "/", answer.text[:500]
    assert answer.extensions["me"]["name"] == "feide@fylke.no"
    assert answer.extensions["me"]["permissions"] == ["read"]
    assert users.get(ws.db, "feide@fylke.no").roles == ("viewer",)
    actions = [(a["actor"], a["action"]) for a in browse.list_audit(ws.db).items]
    assert ("feide@fylke.no", "login") in actions


@pytest.mark.parametrize("fault", ["issuer", "signature", "expired"])
def test_a_bad_id_token_is_refused(oidc_site: tuple[str, Provider, Workspace], fault: str) -> None:
    url, provider, ws = oidc_site
    provider.fault = fault
    answer = _sign_in(url)
    assert answer.status_code == 401, (fault, answer.status_code, answer.text[:300])
    with pytest.raises(Exception, match="no user"):
        users.get(ws.db, "feide@fylke.no")
    entries = browse.list_audit(ws.db).items
    assert [a["action"] for a in entries] == ["login-failed"]
    why = entries[0]["detail"]["why"].lower()
    assert {"issuer": "iss", "signature": "signature", "expired": "expired"}[fault] in why, why
