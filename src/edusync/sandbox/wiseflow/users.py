"""Licence users and vocabularies: create-or-update a user, look users up, list the licence's types.

``POST /license/user`` is create-or-update. WISEflow's spec does not say which field decides that
a user already exists; the sandbox matches on any of the user data values sent (externalIds),
then on an email address, and documents that choice.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from edusync.sandbox.wiseflow.envelope import ApiError, ok, paginate
from edusync.sandbox.wiseflow.state import ASSESSOR_TYPES, FEIDE, ROLES, USER_DATA_TYPES, Store, User


class ExternalId(BaseModel):
    userDataTypeId: int
    value: str = Field(min_length=1)


class NewUser(BaseModel):
    firstName: str = Field(min_length=1)
    lastName: str = Field(min_length=1)
    phone: str | None = None
    externalIds: list[ExternalId]
    language: str | None = None
    roles: list[int]
    emails: list[str]


class DataType(BaseModel):
    id: int
    value: str


class UserSearch(BaseModel):
    dataTypes: list[DataType] = Field(min_length=1)


def user_json(user: User) -> dict[str, Any]:
    """The bare ``user`` object of the legacy lookups."""
    return {
        **user.brief(),
        "phone": user.phone,
        "externalIds": user.visible_ids(),
        "language": user.language,
        "roles": [{"name": ROLES[r], "relationIds": []} for r in user.roles],
        "emails": list(user.emails),
    }


def find_user(store: Store, *, user_id: int | None, email: str | None, data: tuple[int, str] | None) -> User | None:
    """The one user an add-participant/assessor item names, by userId, user data or email.

    Raises 400-style ``ApiError`` reasons the callers translate: several users on one email.
    """
    if user_id is not None:
        return store.users.get(user_id)
    if data is not None:
        return store.user_by_data(*data)
    if email is not None:
        found = store.users_by_email(email)
        if len(found) > 1:
            raise ApiError(400, "several users share that email", "AMBIGUOUS_USER")
        return found[0] if found else None
    raise ApiError(400, "give a userId, an email or userData", "NO_IDENTIFIER")


def _check_new_user(body: NewUser) -> None:
    for ext in body.externalIds:
        kind = USER_DATA_TYPES.get(ext.userDataTypeId)
        if kind is None:
            raise ApiError(400, f"userDataTypeId {ext.userDataTypeId} is not on the licence", "INVALID_USER_DATA_TYPE")
        if not re.fullmatch(str(kind["pattern"]), ext.value):
            # never echo the value: it may be a national id
            raise ApiError(400, f"a value does not match the pattern of {kind['name']}", "INVALID_USER_DATA")
    unknown = [r for r in body.roles if r not in ROLES]
    if unknown:
        raise ApiError(400, f"unknown role id(s) {unknown}", "INVALID_ROLE")


def router(store: Store) -> APIRouter:
    api = APIRouter()

    @api.post("/license/user")
    async def create_or_update_user(body: NewUser) -> JSONResponse:
        _check_new_user(body)
        matches = {u.id for e in body.externalIds if (u := store.user_by_data(e.userDataTypeId, e.value))}
        if not matches:
            matches = {u.id for email in body.emails for u in store.users_by_email(email)}
        if len(matches) > 1:
            raise ApiError(400, "the identifiers belong to different users", "AMBIGUOUS_USER")
        ids = {e.userDataTypeId: e.value for e in body.externalIds}
        if matches:
            user = store.users[matches.pop()]
            user.first_name, user.last_name = body.firstName, body.lastName
            user.phone, user.language = body.phone or "", body.language
            user.emails = list(body.emails) or user.emails
            user.roles = sorted({*user.roles, *body.roles})
            user.external_ids.update(ids)
            return JSONResponse({"userId": user.id}, status_code=200)
        user = User(
            store.next_id("user"),
            body.firstName,
            body.lastName,
            body.phone or "",
            body.language,
            list(body.emails),
            sorted(set(body.roles)),
            ids,
        )
        store.users[user.id] = user
        return JSONResponse({"userId": user.id}, status_code=201)

    @api.get("/license/user-data-types")
    async def user_data_types() -> JSONResponse:
        return ok([{"id": i, **t, "supportsMultipleValues": False} for i, t in USER_DATA_TYPES.items()])

    @api.get("/license/roles")
    async def roles() -> JSONResponse:
        return ok([{"roleId": i, "name": n, "isProtected": False} for i, n in ROLES.items()])

    @api.get("/license/assessor-types")
    async def assessor_types() -> JSONResponse:
        return ok([_assessor_type(i, title) for i, title in ASSESSOR_TYPES.items()])

    @api.get("/user/userDataType/{type_id}/{value}")
    async def user_by_data(type_id: int, value: str) -> dict[str, Any]:
        user = store.user_by_data(type_id, value)
        if user is None:
            raise ApiError(404, "user not found", bare=True)
        return user_json(user)

    @api.get("/user/eduPrincipalName/{org_id}")
    async def user_by_feide(org_id: str) -> dict[str, Any]:
        user = store.user_by_data(FEIDE, org_id)
        if user is None:
            raise ApiError(404, "user not found", bare=True)
        return user_json(user)

    @api.get("/users/{user_id}")
    async def read_user(user_id: int) -> JSONResponse:
        user = store.users.get(user_id)
        if user is None:
            raise ApiError(404, f"user {user_id} not found", "USER_NOT_FOUND")
        return ok(
            {
                "firstName": user.first_name,
                "lastName": user.last_name,
                "phone": user.phone,
                "language": user.language,
                "loginDeactivated": False,
                "lastLogin": None,
                "creationDate": None,
            }
        )

    @api.post("/users/search")
    async def search_users(body: UserSearch, offset: int = 0, limit: int | None = None) -> JSONResponse:
        wanted = {(d.id, d.value) for d in body.dataTypes}
        found = [u for u in store.users.values() if wanted & set(u.external_ids.items())]
        items = [
            {
                **u.brief(),
                "phone": u.phone,
                "language": u.language,
                "emails": list(u.emails),
                "roles": [{"name": ROLES[r], "id": r} for r in u.roles],
                "dataTypes": [
                    {"id": t, "name": USER_DATA_TYPES[t]["name"], "value": v}
                    for t, v in sorted(u.external_ids.items())
                    if USER_DATA_TYPES[t]["visible"]
                ],
                "deactivated": False,
            }
            for u in found
        ]
        page, info = paginate(items, offset, limit, 100, 100)
        return ok(page, pagination=info)

    return api


def _assessor_type(type_id: int, title: str) -> dict[str, Any]:
    return {
        "id": type_id,
        "title": title,
        "description": None,
        "updatedBy": None,
        "flowDefault": type_id == min(ASSESSOR_TYPES),
        "color": None,
        "privileges": {
            "accessToSimilarityReport": True,
            "visibleToParticipant": False,
            "coAssessorGradeTransparency": True,
            "modifyAutoScore": False,
        },
        "feedbackSharing": {
            "defaultSelection": "PRIVATE",
            "available": {"private": True, "participants": True, "coAssessors": True},
        },
        "createdAt": None,
        "updatedAt": None,
    }
