"""What only an admin does in the console: users, tokens and a read-only view of the config.

The routes are the API's (``/api/v1/admin/...``); the web pages (:mod:`edusync.console.admin_web`)
call the same functions here. Bearer tokens carry no admin scope, so only a signed-in admin gets
in, and then with the session's CSRF token on every change. An admin may not disable themselves
or take their own admin role away: the console would have no way back in but the CLI.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from edusync.config.console import Role
from edusync.config.loader import LoadedConfig
from edusync.console import problems
from edusync.console.auth import Principal, needs
from edusync.services import config_view, tokens, users
from edusync.storage import Database

Json = dict[str, Any]
Admin = Annotated[Principal, needs("admin")]
UserName = Annotated[str, Path(max_length=255)]
TokenId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class NewUser(BaseModel):
    username: str = Field(min_length=1, max_length=255, description="An e-mail address or a Feide name.")
    roles: list[Role] = Field(min_length=1, max_length=4)
    password: str | None = Field(
        None, min_length=users.MIN_PASSWORD, max_length=1024, description="Omitted: the user signs in with OIDC."
    )
    display_name: str | None = Field(None, max_length=255)
    language: str | None = Field(None, pattern="^(nb|en)$")


class RolesIn(BaseModel):
    roles: list[Role] = Field(min_length=1, max_length=4)


class NewToken(BaseModel):
    scopes: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1, max_length=8)
    name: str | None = Field(None, max_length=128)
    user: str | None = Field(None, max_length=255, description="A Feide name the token acts for (the groups API).")
    expires_in: str | None = Field(None, max_length=16, description="45s, 90m, 12h, 30d or 2w; omitted: never.")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def create_user(db: Database, who: Principal, body: NewUser) -> Json:
    user = users.create(
        db,
        body.username,
        list(body.roles),
        actor=who.name,
        password=body.password,
        display_name=body.display_name,
        language=body.language,
    )
    return user.as_dict()


def disable_user(db: Database, who: Principal, username: str) -> Json:
    if username.strip().lower() == who.name:
        raise problems.ApiProblem(409, "you cannot disable yourself; another admin can")
    return users.disable(db, username, actor=who.name).as_dict()


def set_roles(db: Database, who: Principal, username: str, roles: list[str]) -> Json:
    if username.strip().lower() == who.name and "admin" not in roles:
        raise problems.ApiProblem(409, "you cannot take your own admin role away; another admin can")
    return users.set_roles(db, username, roles, actor=who.name).as_dict()


def create_token(db: Database, who: Principal, body: NewToken) -> Json:
    expires = tokens.parse_duration(body.expires_in) if body.expires_in else None
    plain, token = tokens.create(
        db, list(body.scopes), actor=who.name, user=body.user or None, expires_in=expires, name=body.name
    )
    return {"token": plain, **token.as_dict(now())}


def revoke_token(db: Database, who: Principal, token_id: int) -> Json:
    if all(t.id != token_id for t in tokens.list_tokens(db)):
        raise problems.ApiProblem(404, f"there is no token {token_id}")
    return tokens.revoke(db, token_id, actor=who.name).as_dict(now())


def list_tokens(db: Database) -> list[Json]:
    at = now()
    return [t.as_dict(at) for t in reversed(tokens.list_tokens(db))]


def routes() -> APIRouter:
    r = APIRouter(prefix="/admin", responses=problems.RESPONSES, tags=["admin"])

    def db_of(request: Request) -> Database:
        db: Database = request.app.state.db
        return db

    @r.get("/users", summary="The console's users")
    def get_users(request: Request, who: Admin) -> list[Json]:
        return [u.as_dict() for u in users.list_users(db_of(request))]

    @r.post("/users", summary="Make a user (with a password: a local account)", status_code=201)
    def post_user(request: Request, who: Admin, body: NewUser) -> Json:
        return create_user(db_of(request), who, body)

    @r.post("/users/{username}/disable", summary="Disable a user: their sessions end at their next request")
    def post_disable(request: Request, who: Admin, username: UserName) -> Json:
        return disable_user(db_of(request), who, username)

    @r.put("/users/{username}/roles", summary="Replace a user's roles")
    def put_roles(request: Request, who: Admin, username: UserName, body: RolesIn) -> Json:
        return set_roles(db_of(request), who, username, list(body.roles))

    @r.get("/tokens", summary="Bearer tokens, newest first (never the token itself)")
    def get_tokens(request: Request, who: Admin) -> list[Json]:
        return list_tokens(db_of(request))

    @r.post("/tokens", summary="Make a token: the answer holds it, the only time it is shown", status_code=201)
    def post_token(request: Request, who: Admin, body: NewToken) -> Json:
        return create_token(db_of(request), who, body)

    @r.post("/tokens/{token_id}/revoke", summary="Revoke a token")
    def post_revoke(request: Request, who: Admin, token_id: TokenId) -> Json:
        return revoke_token(db_of(request), who, token_id)

    @r.get("/config", summary="The configuration file as written: secrets as ${ENV} references")
    def get_config(request: Request, who: Admin) -> Json:
        loaded: LoadedConfig = request.app.state.loaded
        return config_view.read(loaded.path)

    return r
