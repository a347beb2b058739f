"""Bearer tokens for edusync's HTTP APIs: made, listed, revoked and checked.

A token is shown once, when it is made; the database keeps only its SHA-256, so
a copy of the database lets nobody call the API. Each token has scopes (the
groups API needs ``groups-edu``; ``groups-memberids`` adds members' Feide names
to member lists), may act for one user (a Feide name: what ``/me`` means), and
may expire. Making and revoking one is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from edusync.errors import FatalError
from edusync.model.hashing import dumps, loads
from edusync.services import groups
from edusync.services.records import as_json, from_row
from edusync.storage import Database, tables
from edusync.storage.audit import audit

PREFIX = "edusync_"
SCOPES = {
    "groups-edu": "read groups and memberships through the groups API",
    "groups-memberids": "see members' Feide names (userid_sec) in member lists",
    "console:read": "read the console's REST API: runs, objects, the trash, targets, the audit log",
    "console:operate": "also restore from the trash and retry a target",
    "console:approve": "also approve and reject blocked change sets",
}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_EPPN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class BadTokenRequest(FatalError):
    """A token cannot be made as asked (an unknown scope, a user that is no Feide name, a bad expiry)."""


class TokenRefused(FatalError):
    """The token is unknown, revoked or expired (the API answers 401)."""


@dataclass(frozen=True)
class Token:
    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    user: str | None
    created_at: str
    created_by: str
    expires_at: str | None
    revoked_at: str | None

    def status(self, now: dt.datetime) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at and dt.datetime.fromisoformat(self.expires_at) <= now:
            return "expired"
        return "active"

    def as_dict(self, now: dt.datetime) -> dict[str, Any]:
        return as_json(self, status=self.status(now))


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_duration(text: str) -> dt.timedelta:
    """``30d``, ``12h``, ``90m``, ``2w`` or ``45s``."""
    match = _DURATION.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise BadTokenRequest(f"expiry {text!r} is not a positive number and a unit: 45s, 90m, 12h, 30d or 2w")
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _row(row: Any) -> Token:
    return from_row(Token, row, scopes=tuple(loads(row.scopes)), user=row.feide_user)


def create(
    db: Database,
    scopes: list[str],
    *,
    actor: str,
    user: str | None = None,
    expires_in: dt.timedelta | None = None,
    name: str | None = None,
    now: dt.datetime | None = None,
    require_person: bool = False,
) -> tuple[str, Token]:
    """Make a token; return it (the only time it is seen) and what is stored about it.

    With ``require_person``, a ``user`` no person in the metaverse has as Feide name is refused:
    its ``/me`` would answer nothing, which looks like an empty school rather than a typo.
    """
    problems = [f"unknown scope {s!r} (known: {', '.join(SCOPES)})" for s in scopes if s not in SCOPES]
    if not scopes:
        problems.append(f"a token needs at least one scope (known: {', '.join(SCOPES)})")
    if user is not None and not _EPPN.match(user.strip()):
        problems.append(f"user {user!r} is not a Feide name (user@realm)")
    if problems:
        raise BadTokenRequest("; ".join(problems))
    if user is not None and require_person and not has_person(db, user):
        raise BadTokenRequest(
            f"no person has the Feide name {user.strip().lower()!r}, so /me would answer nothing; check the "
            "spelling (`edusync show person KEY`), or make it anyway with --force"
        )
    now = now or _now()
    plain = PREFIX + secrets.token_urlsafe(32)
    values = {
        "name": (name or "").strip() or f"token {plain[len(PREFIX) : len(PREFIX) + 4]}",
        "token_hash": digest(plain),
        "prefix": plain[: len(PREFIX) + 4],
        "scopes": dumps(sorted(set(scopes))),
        "feide_user": user.strip().lower() if user else None,  # Feide names are stored lower case
        "created_at": now.isoformat(),
        "created_by": actor,
        "expires_at": (now + expires_in).isoformat() if expires_in else None,
    }
    with db.begin() as conn:
        token_id = int(conn.execute(tables.api_tokens.insert().values(**values)).inserted_primary_key[0])  # type: ignore[index]
        audit(conn, actor, "token-create", None, None, token=token_id, scopes=sorted(set(scopes)), user=user)
        row = conn.execute(select(tables.api_tokens).where(tables.api_tokens.c.id == token_id)).one()
    return plain, _row(row)


def has_person(db: Database, eppn: str) -> bool:
    """Whether a person the groups API shows has ``eppn`` as Feide name (any case)."""
    wanted = eppn.strip().lower()
    for _, _, attrs, _ in groups.shown_objects(db, ["person"]):
        value = attrs.get("eduPersonPrincipalName")
        if isinstance(value, str) and value.strip().lower() == wanted:
            return True
    return False


def list_tokens(db: Database) -> list[Token]:
    with db.begin() as conn:
        return [_row(r) for r in conn.execute(select(tables.api_tokens).order_by(tables.api_tokens.c.id))]


def revoke(db: Database, token_id: int, *, actor: str, now: dt.datetime | None = None) -> Token:
    tokens = tables.api_tokens
    with db.begin() as conn:
        row = conn.execute(select(tokens).where(tokens.c.id == token_id)).first()
        if row is None:
            raise FatalError(f"there is no token {token_id} (`edusync tokens list` shows them)")
        if row.revoked_at is None:
            stamp = (now or _now()).isoformat()
            conn.execute(update(tokens).where(tokens.c.id == token_id).values(revoked_at=stamp))
            audit(conn, actor, "token-revoke", None, None, token=token_id)
        row = conn.execute(select(tokens).where(tokens.c.id == token_id)).one()
    return _row(row)


def verify(db: Database, plain: str, now: dt.datetime | None = None) -> Token:
    """The token's record; :class:`TokenRefused` when it is unknown, revoked or expired."""
    with db.begin() as conn:
        row = conn.execute(select(tables.api_tokens).where(tables.api_tokens.c.token_hash == digest(plain))).first()
    if row is None:
        raise TokenRefused("unknown token")
    token = _row(row)
    status = token.status(now or _now())
    if status != "active":
        raise TokenRefused(f"token {token.prefix}… is {status}")
    return token
