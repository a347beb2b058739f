"""The console's users: local accounts with argon2 password hashes, OpenID Connect users, their roles.

Roles: ``viewer`` reads; ``operator`` also runs, retries and restores; ``approver`` also approves and
rejects; ``admin`` may do everything (users, tokens, the config). A failed sign-in says only that it
failed, never whether the name exists; both outcomes are in the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update

from edusync.errors import FatalError, NotFound
from edusync.model.hashing import dumps, loads
from edusync.services.records import as_json, from_row
from edusync.storage import Database, tables
from edusync.storage.audit import audit, utcnow

ROLES = ("viewer", "operator", "approver", "admin")
#: What each role may do. Reading is everyone's; an admin may do all.
PERMISSIONS = {
    "viewer": frozenset({"read"}),
    "operator": frozenset({"read", "operate"}),
    "approver": frozenset({"read", "approve"}),
    "admin": frozenset({"read", "operate", "approve", "admin"}),
}
MIN_PASSWORD = 10
_hasher = PasswordHasher()
#: Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY = _hasher.hash("edusync-no-such-user")


class BadUserRequest(FatalError):
    """A user cannot be made or changed as asked (an unknown role, a short password, a name taken)."""


class SignInRefused(FatalError):
    """A sign-in failed: wrong name or password, a disabled account, or no role."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    language: str | None
    created_at: str
    disabled_at: str | None
    last_login_at: str | None
    local: bool

    @property
    def permissions(self) -> frozenset[str]:
        out: frozenset[str] = frozenset()
        for role in self.roles:
            out |= PERMISSIONS.get(role, frozenset())
        return out

    def as_dict(self) -> dict[str, Any]:
        return as_json(self)


def _row(row: Any) -> User:
    return from_row(User, row, roles=tuple(loads(row.roles)), local=row.password_hash is not None)


def _check_roles(roles: list[str]) -> list[str]:
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise BadUserRequest(f"roles must be some of {', '.join(ROLES)} (given: {', '.join(roles) or 'none'})")
    return sorted(set(roles), key=ROLES.index)


def _stamp(now: dt.datetime | None = None) -> str:
    return (now or utcnow()).isoformat(timespec="seconds")


def create(
    db: Database,
    username: str,
    roles: list[str],
    *,
    actor: str,
    password: str | None = None,
    display_name: str | None = None,
    language: str | None = None,
) -> User:
    """A new user; with ``password`` a local account, without one a user who signs in with OpenID Connect."""
    name = username.strip().lower()
    if not name or len(name) > 255 or any(c.isspace() for c in name):
        raise BadUserRequest(f"user name {username!r} must be one word (an e-mail address or a Feide name)")
    if password is not None and len(password) < MIN_PASSWORD:
        raise BadUserRequest(f"a password needs {MIN_PASSWORD} characters at least")
    if language not in (None, "nb", "en"):
        raise BadUserRequest(f"language {language!r} is neither nb nor en")
    chosen = _check_roles(roles)
    t = tables.console_users
    with db.begin() as conn:
        if conn.execute(select(t.c.id).where(t.c.username == name)).first() is not None:
            raise BadUserRequest(f"there is a user {name} already")
        values = {
            "username": name,
            "display_name": (display_name or "").strip() or name,
            "password_hash": _hasher.hash(password) if password is not None else None,
            "roles": dumps(chosen),
            "language": language,
            "created_at": _stamp(),
            "created_by": actor,
        }
        new_id = int(conn.execute(t.insert().values(**values)).inserted_primary_key[0])  # type: ignore[index]
        audit(conn, actor, "user-create", None, None, user=name, roles=chosen, local=password is not None)
        return _row(conn.execute(select(t).where(t.c.id == new_id)).one())


def list_users(db: Database) -> list[User]:
    t = tables.console_users
    with db.begin() as conn:
        return [_row(r) for r in conn.execute(select(t).order_by(t.c.username))]


def get(db: Database, username: str) -> User:
    t = tables.console_users
    with db.begin() as conn:
        row = conn.execute(select(t).where(t.c.username == username.strip().lower())).first()
    if row is None:
        raise NotFound(f"there is no user {username!r} (`edusync users list` shows them)")
    return _row(row)


def disable(db: Database, username: str, *, actor: str) -> User:
    """Nobody signs in as this user any more; their open sessions end at their next request."""
    t = tables.console_users
    name = username.strip().lower()
    with db.begin() as conn:
        row = conn.execute(select(t).where(t.c.username == name)).first()
        if row is None:
            raise NotFound(f"there is no user {username!r} (`edusync users list` shows them)")
        if row.disabled_at is None:
            conn.execute(update(t).where(t.c.id == row.id).values(disabled_at=_stamp()))
            audit(conn, actor, "user-disable", None, None, user=name)
        return _row(conn.execute(select(t).where(t.c.id == row.id)).one())


def set_roles(db: Database, username: str, roles: list[str], *, actor: str) -> User:
    """Give the user these roles instead of theirs (an OpenID Connect roles claim may replace them at sign-in)."""
    chosen = _check_roles(roles)
    t = tables.console_users
    name = username.strip().lower()
    with db.begin() as conn:
        row = conn.execute(select(t).where(t.c.username == name)).first()
        if row is None:
            raise NotFound(f"there is no user {username!r} (`edusync users list` shows them)")
        if loads(row.roles) != chosen:
            conn.execute(update(t).where(t.c.id == row.id).values(roles=dumps(chosen)))
            audit(conn, actor, "user-roles", None, None, user=name, roles=chosen, was=loads(row.roles))
        return _row(conn.execute(select(t).where(t.c.id == row.id)).one())


def set_language(db: Database, username: str, language: str) -> None:
    if language not in ("nb", "en"):
        raise BadUserRequest(f"language {language!r} is neither nb nor en")
    t = tables.console_users
    with db.begin() as conn:
        conn.execute(update(t).where(t.c.username == username.strip().lower()).values(language=language))


def authenticate(db: Database, username: str, password: str, *, via: str = "password") -> User:
    """The user, when the password is theirs and the account is enabled; the outcome is audited either way."""
    t = tables.console_users
    name = username.strip().lower()
    with db.begin() as conn:
        row = conn.execute(select(t).where(t.c.username == name)).first()
        problem = None
        try:
            _hasher.verify(row.password_hash if row is not None and row.password_hash else _DUMMY, password)
            if row is None or row.password_hash is None:
                problem = "unknown user or no local password"
        except (VerificationError, InvalidHashError):
            problem = "wrong password" if row is not None else "unknown user or no local password"
        if problem is None and row is not None and row.disabled_at is not None:
            problem = "account disabled"
        if problem is not None or row is None:
            # Recorded, then refused after the commit: an exception inside would roll the entry back.
            audit(conn, name[:128] or "?", "login-failed", None, None, via=via, why=problem)
            refused = True
        else:
            refused = False
            conn.execute(update(t).where(t.c.id == row.id).values(last_login_at=_stamp()))
            audit(conn, name, "login", None, None, via=via)
            user = _row(conn.execute(select(t).where(t.c.id == row.id)).one())
    if refused:
        raise SignInRefused("wrong user name or password")
    return user


def sign_in_external(
    db: Database, username: str, display_name: str, claimed_roles: list[str], default_roles: list[str], via: str
) -> User:
    """A user an identity provider vouched for: made on first sign-in, roles from the claim or the account."""
    t = tables.console_users
    name = username.strip().lower()
    refusal = ""
    with db.begin() as conn:
        row = conn.execute(select(t).where(t.c.username == name)).first()
        if row is None:
            roles = sorted(set(claimed_roles or default_roles), key=ROLES.index)
            if not roles:
                refusal = f"{name} has no role in edusync yet; ask an admin to give you one"
            values = {
                "username": name,
                "display_name": display_name or name,
                "password_hash": None,
                "roles": dumps(roles),
                "created_at": _stamp(),
                "created_by": via,
            }
            if not refusal:
                conn.execute(t.insert().values(**values))
        elif row.disabled_at is not None:
            refusal = f"{name}'s account is disabled"
        elif claimed_roles:
            conn.execute(update(t).where(t.c.id == row.id).values(roles=dumps(sorted(set(claimed_roles)))))
        if refusal:
            audit(conn, name[:128] or "?", "login-failed", None, None, via=via, why=refusal)
            user = None
        else:
            conn.execute(update(t).where(t.c.username == name).values(last_login_at=_stamp()))
            audit(conn, name, "login", None, None, via=via)
            user = _row(conn.execute(select(t).where(t.c.username == name)).one())
    if user is None:  # refused after the commit, so the audit entry stays
        raise SignInRefused(refusal)
    return user


def audit_failure(db: Database, who: str, via: str, why: str) -> None:
    """A sign-in that failed before anyone was known (a refused ID token)."""
    with db.begin() as conn:
        audit(conn, who[:128] or "?", "login-failed", None, None, via=via, why=why[:500])


def audit_logout(db: Database, who: str) -> None:
    with db.begin() as conn:
        audit(conn, who, "logout", None, None)
