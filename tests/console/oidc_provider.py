"""A small OpenID Connect provider for the tests, on loopback: discovery, authorize, token, JWKS.

It signs in whoever the test names at once (no login page) and answers the code flow as
OpenID Connect Core 1.0 says: the ID token is an RS256 JWT with ``iss``, ``sub``, ``aud``,
``exp``, ``iat`` and the ``nonce`` it was asked for. ``fault`` makes it misbehave the way a test
needs: another issuer, a signature by a key it does not publish, or an expired token.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import RSAKey


@dataclass
class Provider:
    issuer: str = ""
    client_id: str = "edusync-console"
    client_secret: str = "provider-secret-for-tests"
    user: dict[str, Any] = field(
        default_factory=lambda: {"sub": "u1", "email": "feide@fylke.no", "name": "Feide Person"}
    )
    fault: str | None = None  # None, "issuer", "signature", "expired"
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    other: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            **self.user,
            "iss": self.issuer + "/elsewhere" if self.fault == "issuer" else self.issuer,
            "aud": self.client_id,
            "iat": now - (7200 if self.fault == "expired" else 0),
            "exp": now - 3600 if self.fault == "expired" else now + 300,
        }
        if nonce:
            claims["nonce"] = nonce
        key = self.other if self.fault == "signature" else self.key
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)


def provider_app(p: Provider) -> FastAPI:
    app = FastAPI()

    @app.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, Any]:
        return {
            "issuer": p.issuer,
            "authorization_endpoint": f"{p.issuer}/authorize",
            "token_endpoint": f"{p.issuer}/token",
            "jwks_uri": f"{p.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    @app.get("/jwks")
    def jwks() -> dict[str, Any]:
        return {"keys": [p.key.as_dict(private=False)]}

    @app.get("/authorize")
    def authorize(request: Request) -> RedirectResponse:
        q = request.query_params
        assert q["client_id"] == p.client_id and q["response_type"] == "code" and q.get("code_challenge")
        code = secrets.token_urlsafe(16)
        p.codes[code] = {"nonce": q.get("nonce"), "redirect_uri": q["redirect_uri"]}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 302)

    @app.post("/token")
    def token(request: Request, code: str = Form(), grant_type: str = Form(), code_verifier: str = Form()) -> Any:
        grant = p.codes.pop(code, None)
        if grant is None or grant_type != "authorization_code" or not code_verifier:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": p.id_token(grant["nonce"]),
        }

    return app
