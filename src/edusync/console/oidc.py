"""Sign-in with OpenID Connect (Feide, Entra ID): the authorisation code flow with PKCE, Authlib as the client.

The ID token is checked by Authlib against the provider's published keys (signature), the
configured issuer, edusync's client id (audience), its expiry and the sign-in's nonce; any
failure is a refused sign-in, in the audit log. The user's roles come from ``roles_claim``
through ``role_map``, else from their edusync account, else ``default_roles``.
"""

from __future__ import annotations

import os
from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

from edusync.config.console import OidcConfig
from edusync.console import auth
from edusync.services import users
from edusync.storage import Database


def install(app: FastAPI, config: OidcConfig, db: Database, pages: Any, public_url: str | None = None) -> None:
    oauth = OAuth()
    oauth.register(
        "provider",
        client_id=config.client_id,
        client_secret=os.environ.get(config.client_secret_env, ""),
        server_metadata_url=config.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": " ".join(config.scopes), "code_challenge_method": "S256"},
    )
    client = oauth.create_client("provider")
    via = f"oidc:{config.issuer}"

    @app.get("/login/oidc")
    async def start(request: Request, next: str = "/") -> Any:
        request.session["oidc_next"] = next if next.startswith("/") and not next.startswith("//") else "/"
        # Behind a proxy the address people use is the configured one, not the one the request came to.
        callback = public_url.rstrip("/") + "/auth/callback" if public_url else str(request.url_for("oidc_callback"))
        return await client.authorize_redirect(request, callback)

    @app.get("/auth/callback", name="oidc_callback")
    async def callback(request: Request) -> Any:
        try:
            token = await client.authorize_access_token(
                request, claims_options={"iss": {"essential": True, "value": config.issuer}}
            )
            claims = dict(token.get("userinfo") or {})
        except (OAuthError, ValueError, KeyError) as exc:
            return _refused(request, f"the identity provider's answer was refused: {exc}")
        except Exception as exc:  # Authlib's JOSE errors (signature, expiry, issuer) share no base we can name
            return _refused(request, f"the ID token was refused: {type(exc).__name__}: {exc}")
        name = str(claims.get(config.username_claim) or "").strip()
        if not name:
            return _refused(request, f"the ID token has no {config.username_claim!r} claim")
        claimed: list[str] = []
        if config.roles_claim:
            values = claims.get(config.roles_claim) or []
            for value in values if isinstance(values, list) else [values]:
                claimed += config.role_map.get(str(value), [])
        try:
            user = users.sign_in_external(
                db, name, str(claims.get("name") or name), claimed, list(config.default_roles), via
            )
        except users.SignInRefused as exc:
            return pages.render(request, "login.html", None, code=403, error=str(exc), next="/")
        auth.sign_in(request, user)
        target = request.session.pop("oidc_next", "/") if "oidc_next" in request.session else "/"
        return RedirectResponse(request.scope.get("root_path", "") + target, 303)

    def _refused(request: Request, why: str) -> Any:
        users.audit_failure(db, "?", via, why)
        return pages.render(request, "login.html", None, code=401, error=why, next="/")
