"""Who is asking, and may they: a signed session cookie or a scoped bearer token, roles, CSRF.

A session (Starlette's signed cookie) holds the user's name, when they signed in and a CSRF
token; it is refused once ``console.session_minutes`` have passed, or when the account has been
disabled meanwhile. A form, and an API call made with the session cookie, must carry the CSRF
token (a hidden ``csrf`` field, or the ``X-CSRF-Token`` header); a bearer token needs none, as
no browser sends it by itself.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from edusync.config.console import ConsoleConfig
from edusync.console.problems import ApiProblem
from edusync.errors import NotFound
from edusync.services import national_ids, tokens, users
from edusync.storage import Database

#: A token's console scopes and what each lets it do.
SCOPES = {
    "console:read": frozenset({"read"}),
    "console:operate": frozenset({"read", "operate"}),
    "console:approve": frozenset({"read", "approve"}),
}
#: The role a token's console scope stands for, where the config names roles (``national_id_search_roles``).
SCOPE_ROLES = {"console:read": "viewer", "console:operate": "operator", "console:approve": "approver"}
SAFE = ("GET", "HEAD", "OPTIONS")
_bearer = HTTPBearer(auto_error=False, description="A token from `edusync tokens create --scope console:read`.")


@dataclass(frozen=True)
class Principal:
    name: str
    permissions: frozenset[str]
    via: str  # "session" or "token"
    roles: tuple[str, ...] = ()
    language: str | None = None
    csrf: str | None = None

    def may(self, permission: str) -> bool:
        return permission in self.permissions

    def has_role(self, roles: Sequence[str]) -> bool:
        """True when one of the caller's roles (a token's: those its scopes stand for) is among ``roles``."""
        mine = {SCOPE_ROLES.get(r, "") for r in self.roles} if self.via == "token" else set(self.roles)
        return bool(mine & set(roles))


def sign_in(request: Request, user: users.User) -> None:
    """Start a session for ``user`` (a new CSRF token each time, so an old page's forms stop working)."""
    request.session.clear()
    request.session.update({"user": user.username, "at": int(time.time()), "csrf": secrets.token_urlsafe(24)})


def sign_out(request: Request) -> None:
    request.session.clear()


def from_session(request: Request) -> Principal | None:
    """The signed-in user, or None (no session, an expired one, a disabled or deleted account)."""
    session = request.session
    name, at = session.get("user"), session.get("at")
    if not name or not isinstance(at, int):
        return None
    config: ConsoleConfig = request.app.state.console
    if time.time() - at > config.session_minutes * 60:
        session.clear()
        return None
    db: Database = request.app.state.db
    try:
        user = users.get(db, name)
    except NotFound:
        session.clear()
        return None
    if user.disabled_at is not None:
        session.clear()
        return None
    return Principal(user.username, user.permissions, "session", user.roles, user.language, session.get("csrf"))


def from_token(request: Request, credentials: HTTPAuthorizationCredentials) -> Principal:
    challenge = 'Bearer realm="edusync-console"'
    try:
        token = tokens.verify(request.app.state.db, credentials.credentials.strip())
    except tokens.TokenRefused as exc:
        raise ApiProblem(401, str(exc), {"WWW-Authenticate": f'{challenge}, error="invalid_token"'}) from None
    allowed: frozenset[str] = frozenset()
    for scope in token.scopes:
        allowed |= SCOPES.get(scope, frozenset())
    if not allowed:
        raise ApiProblem(403, "this token has no console scope (console:read, console:operate, console:approve)")
    return Principal(token.user or f"token:{token.name}", allowed, "token", roles=token.scopes)


def check_csrf(request: Request, principal: Principal, given: str | None) -> None:
    """Refuse an unsafe request made with the session cookie that lacks the session's CSRF token."""
    if principal.via != "session" or request.method in SAFE:
        return
    expected = principal.csrf or ""
    if not given or not expected or not hmac.compare_digest(given, expected):
        raise ApiProblem(403, "the CSRF token is missing or wrong; reload the page and try again")


def api_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The caller of an API route: a bearer token, else the session (then CSRF on unsafe methods)."""
    if credentials is not None and credentials.credentials.strip():
        return from_token(request, credentials)
    principal = from_session(request)
    if principal is None:
        raise ApiProblem(
            401, "sign in, or send a bearer token (Authorization: Bearer …)", {"WWW-Authenticate": "Bearer"}
        )
    check_csrf(request, principal, request.headers.get("X-CSRF-Token"))
    return principal


def may_search_national_ids(request: Request, principal: Principal, text: str) -> None:
    """Refuse (403, audited) a national id search by a caller whose role ``console.national_id_search_roles``
    does not name."""
    config: ConsoleConfig = request.app.state.console
    if not principal.has_role(config.national_id_search_roles):
        national_ids.audit_refused(request.app.state.db, principal.name, text)
        raise ApiProblem(403, f"{principal.name} may not search by national id (console.national_id_search_roles)")


def needs(permission: str) -> object:
    """A dependency: the caller, who must have ``permission`` (read, operate, approve, admin)."""

    def check(principal: Annotated[Principal, Depends(api_principal)]) -> Principal:
        if not principal.may(permission):
            raise ApiProblem(403, f"{principal.name} may not {permission} (roles: {', '.join(principal.roles)})")
        return principal

    return Depends(check)
