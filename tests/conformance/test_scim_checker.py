"""The SCIM checker finds what breaks RFC 7643/7644 on either side, and lets a conforming exchange pass."""

from __future__ import annotations

import json
from typing import Any

from edusync.sandbox.scim.spec import ScimChecker
from edusync.testing.exchanges import Exchange

SCIM = {"content-type": "application/scim+json"}
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CREATED = {
    "schemas": [USER], "id": "abc", "userName": "ase@fylke.no",
    "meta": {"resourceType": "User", "location": "http://x/v2/Users/abc", "version": 'W/"1"'},
}  # fmt: skip


def exchange(
    method: str, path: str, body: Any = None, status: int = 200, answer: Any = None, **headers: str
) -> Exchange:
    raw = json.dumps(body).encode() if body is not None else b""
    out = json.dumps(answer).encode() if answer is not None else b""
    return Exchange("scim", method, path, "", dict(SCIM), raw, status, {**SCIM, **headers}, out)


def test_a_conforming_create_passes() -> None:
    ok = exchange("POST", "/v2/Users", {"schemas": [USER], "userName": "ase@fylke.no", "externalId": "p1"}, 201,
                  CREATED, location="http://x/v2/Users/abc", etag='W/"1"')  # fmt: skip
    assert ScimChecker().problems(ok) == []
    assert ScimChecker().kind(ok) == "POST /Users"


def test_a_create_without_its_location_or_etag_or_with_a_national_id_is_caught() -> None:
    sent = {"schemas": [USER], "userName": "ase@fylke.no", "externalId": "01010012356"}
    found = ScimChecker().problems(exchange("POST", "/v2/Users", sent, 201, CREATED))
    assert any("national identity number" in p for p in found)
    assert any("Location" in p for p in found) and any("ETag" in p for p in found)


def test_a_create_missing_user_name_or_answered_200_is_caught() -> None:
    found = ScimChecker().problems(exchange("POST", "/v2/Users", {"schemas": [USER]}, 200, CREATED))
    assert any("userName" in p for p in found), found
    assert any("answered 201" in p for p in found)


def test_a_delete_with_a_body_and_an_error_with_the_wrong_status_are_caught() -> None:
    assert ScimChecker().problems(exchange("DELETE", "/v2/Users/abc", None, 204, CREATED))
    error = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400", "detail": "x"}
    found = ScimChecker().problems(exchange("GET", "/v2/Users/abc", None, 409, error))
    assert any("is not the HTTP status 409" in p for p in found)


def test_a_filter_that_does_not_parse_is_caught() -> None:
    bad = Exchange("scim", "GET", "/v2/Users", "filter=externalId+eq&startIndex=0", dict(SCIM), b"", 400, {}, b"")
    found = ScimChecker().problems(bad)
    assert any("filter does not parse" in p for p in found) and any("startIndex" in p for p in found)
