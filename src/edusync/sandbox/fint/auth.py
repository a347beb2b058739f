"""The FINT identity provider's token endpoint, as far as a client can tell.

FINT uses the OAuth 2.0 *resource owner password* grant, not client credentials:
``POST /nidp/oauth/nam/token`` with HTTP Basic ``client_id:client_secret`` and the
form fields ``grant_type=password``, ``username``, ``password``, ``scope=fint-client``.
Tokens are opaque here and expire after a configurable lifetime; tests shorten
it, or revoke every token through the admin API, to force a refresh mid-import.
"""

from __future__ import annotations

import base64
import binascii
import math
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

TOKEN_PATH = "/nidp/oauth/nam/token"  # noqa: S105 - a URL path, not a secret
SCOPE = "fint-client"


@dataclass
class Credentials:
    client_id: str
    client_secret: str
    username: str
    password: str


class Tokens:
    """Issued bearer tokens and their expiry (monotonic clock)."""

    def __init__(self, credentials: Credentials, lifetime: float) -> None:
        self.credentials = credentials
        self.lifetime = lifetime
        self._expiry: dict[str, float] = {}
        self.issued = 0

    def issue(self) -> str:
        now = time.monotonic()
        # Drop expired ones so a long-running sandbox does not grow without bound.
        self._expiry = {t: e for t, e in self._expiry.items() if e > now}
        token = secrets.token_urlsafe(32)
        self._expiry[token] = now + self.lifetime
        self.issued += 1
        return token

    def valid(self, authorization: str | None) -> bool:
        if not authorization or not authorization.lower().startswith("bearer "):
            return False
        expiry = self._expiry.get(authorization[7:].strip())
        return expiry is not None and expiry > time.monotonic()

    def expire_all(self) -> int:
        count = len(self._expiry)
        self._expiry.clear()
        return count


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, secret = decoded.partition(":")
    return (unquote(user), unquote(secret)) if sep else None


def _same(given: str, expected: str) -> bool:
    # Compare bytes: compare_digest refuses non-ASCII str, and a password may hold æøå.
    return secrets.compare_digest(given.encode(), expected.encode())


def _error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def token_router(tokens: Tokens) -> APIRouter:
    """The token route; the form body is parsed by hand (no python-multipart needed)."""
    router = APIRouter()

    @router.post(TOKEN_PATH)
    async def token(request: Request) -> Response:
        creds = tokens.credentials
        client = _basic(request.headers.get("authorization"))
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        if client is None:  # some clients send the client in the form instead of Basic
            client = (form.get("client_id", ""), form.get("client_secret", ""))
        if not (_same(client[0], creds.client_id) and _same(client[1], creds.client_secret)):
            return _error(401, "invalid_client", "unknown client or wrong client secret")
        if form.get("grant_type") != "password":
            return _error(400, "unsupported_grant_type", "FINT uses grant_type=password")
        if not (_same(form.get("username", ""), creds.username) and _same(form.get("password", ""), creds.password)):
            return _error(400, "invalid_grant", "wrong username or password")
        return JSONResponse(
            {
                "access_token": tokens.issue(),
                "token_type": "bearer",
                "expires_in": math.ceil(tokens.lifetime),
                "scope": form.get("scope") or SCOPE,
            },
            headers={"Cache-Control": "no-store"},
        )

    return router
