"""Holds every HTTP exchange with the SCIM service to RFC 7643 (schemas) and RFC 7644 (protocol).

The schemas are RFC 7643's, as scim2-models implements them (the User and Group resources, the
enterprise extension, and the protocol messages: ListResponse, PatchOp, BulkRequest and
BulkResponse, Error), and each message is validated in the context RFC 7644 puts it in (a
creation request may not carry ``id``, a response must carry it, and so on). On top, this
checker holds what RFC 7644 says of the protocol itself:

- bodies are ``application/scim+json`` (§3.1, §8.1; ``application/json`` is tolerated);
- POST creates answer 201 with a ``Location`` (§3.3), GET and PUT 200 (§3.4.1, §3.5.1), PATCH
  200 or 204 (§3.5.2), DELETE 204 with no body (§3.6), /Bulk 200 (§3.7.3), an error an
  ``Error`` whose ``status`` is the HTTP status (§3.12);
- a resource answered where the service offers ETags carries an ``ETag`` header (§3.14);
- a query's ``filter`` parses (§3.4.2.2), ``startIndex`` is at least 1 and ``count`` not negative
  (§3.4.2.4); a ListResponse has ``totalResults`` (§3.4.2).

And one rule of edusync's own: no request carries a valid Norwegian national identity number.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from pydantic import ValidationError
from scim2_models import (
    BulkRequest,
    BulkResponse,
    Context,
    EnterpriseUser,
    Error,
    Group,
    ListResponse,
    PatchOp,
    ResourceType,
    Schema,
    ScimFilter,
    ServiceProviderConfig,
    User,
)
from stdnum.no import fodselsnummer

from edusync.testing.exchanges import Exchange

ScimUser = User[EnterpriseUser]
TYPES = ("application/scim+json", "application/json")
MODELS: dict[str, Any] = {"Users": ScimUser, "Groups": Group}
DISCOVERY: dict[str, Any] = {
    "ServiceProviderConfig": ServiceProviderConfig,
    "Schemas": ListResponse[Schema],
    "ResourceTypes": ListResponse[ResourceType],
}
_STATUS = {"POST": (201,), "GET": (200,), "PUT": (200,), "PATCH": (200, 204), "DELETE": (204,)}


def _parts(exchange: Exchange) -> list[str]:
    return exchange.path.removeprefix("/v2").strip("/").split("/")


def _json(data: bytes) -> Any:
    return json.loads(data) if data else None


def _invalid(model: Any, payload: Any, context: Context) -> list[str]:
    try:
        model.model_validate(payload, scim_ctx=context)
    except ValidationError as exc:
        return [f"{e['loc']}: {e['msg']}" for e in exc.errors()[:5]]
    return []


def _national_ids(value: Any, where: str = "") -> list[str]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _national_ids(v, f"{where}.{k}" if where else k)]
    if isinstance(value, list):
        return [p for v in value for p in _national_ids(v, where)]
    if isinstance(value, str) and len(value) == 11 and value.isdigit() and fodselsnummer.is_valid(value):
        return [f"{where or 'the body'} holds a national identity number"]
    return []


class ScimChecker:
    system = "scim"

    def kind(self, exchange: Exchange) -> str:
        parts = _parts(exchange)
        return f"{exchange.method} /{parts[0]}" + ("/{id}" if len(parts) > 1 else "")

    def problems(self, exchange: Exchange) -> list[str]:
        return self._request(exchange) + self._response(exchange)

    # -- the request ------------------------------------------------------------------------

    def _request(self, exchange: Exchange) -> list[str]:
        found: list[str] = []
        parts, method = _parts(exchange), exchange.method
        query = parse_qs(exchange.query)
        if method == "GET":
            model = MODELS.get(parts[0])
            for text in query.get("filter", []):
                try:
                    ScimFilter[model](text) if model is not None else ScimFilter(text)  # type: ignore[valid-type]
                except Exception as exc:
                    found.append(f"the filter does not parse (RFC 7644 §3.4.2.2): {exc}")
            if any(int(v) < 1 for v in query.get("startIndex", []) if v.lstrip("-").isdigit()):
                found.append("startIndex is less than 1 (RFC 7644 §3.4.2.4)")
            if any(int(v) < 0 for v in query.get("count", []) if v.lstrip("-").isdigit()):
                found.append("count is negative (RFC 7644 §3.4.2.4)")
        if method not in ("POST", "PUT", "PATCH"):
            return found
        if exchange.request_type not in TYPES:
            found.append(f"a request body must be application/scim+json, not {exchange.request_type!r}")
        try:
            body = _json(exchange.request_body)
        except ValueError:
            return [*found, "the request body is not JSON"]
        found += _national_ids(body)
        model = MODELS.get(parts[0])
        if parts[0] == "Bulk" and method == "POST":
            found += _invalid(BulkRequest[ScimUser | Group], body, Context.BULK_REQUEST)
        elif model is not None and method == "POST" and len(parts) == 1:
            found += _invalid(model, body, Context.RESOURCE_CREATION_REQUEST)
        elif model is not None and method == "PUT":
            found += _invalid(model, body, Context.RESOURCE_REPLACEMENT_REQUEST)
        elif model is not None and method == "PATCH":
            found += _invalid(PatchOp[model], body, Context.RESOURCE_PATCH_REQUEST)  # type: ignore[valid-type]
        return found

    # -- the answer -------------------------------------------------------------------------

    def _response(self, exchange: Exchange) -> list[str]:
        status, method, parts = exchange.status, exchange.method, _parts(exchange)
        try:
            body = _json(exchange.response_body)
        except ValueError:
            return ["the answer is not JSON"]
        if body is not None and exchange.response_type not in TYPES:
            return [f"an answer's body must be application/scim+json, not {exchange.response_type!r}"]
        if status >= 400:
            refused = _invalid(Error, body, Context.DEFAULT)
            if isinstance(body, dict) and str(body.get("status")) != str(status):
                refused.append(f"the Error's status {body.get('status')!r} is not the HTTP status {status} (§3.12)")
            return refused
        if parts[0] in DISCOVERY:
            return _invalid(DISCOVERY[parts[0]], body, Context.RESOURCE_QUERY_RESPONSE) if status == 200 else []
        if parts[0] == "Bulk":
            if status != 200:
                return [f"a bulk request is answered 200, not {status} (§3.7.3)"]
            return _invalid(BulkResponse[ScimUser | Group], body, Context.BULK_RESPONSE)
        model = MODELS.get(parts[0])
        if model is None:
            return [f"no such SCIM endpoint: /{parts[0]}"]
        if status not in _STATUS.get(method, ()):
            return [f"{method} is answered {' or '.join(map(str, _STATUS[method]))}, not {status} (RFC 7644 §3)"]
        if method == "DELETE":
            return [] if body is None else ["a DELETE is answered 204 with no body (§3.6)"]
        if status == 204:
            return []
        found: list[str] = []
        if method == "GET" and len(parts) == 1:
            found += _invalid(ListResponse[model], body, Context.SEARCH_RESPONSE)  # type: ignore[valid-type]
            if isinstance(body, dict) and "totalResults" not in body:
                found.append("a ListResponse carries totalResults (§3.4.2)")
            return found
        contexts = {
            "POST": Context.RESOURCE_CREATION_RESPONSE,
            "GET": Context.RESOURCE_QUERY_RESPONSE,
            "PUT": Context.RESOURCE_REPLACEMENT_RESPONSE,
            "PATCH": Context.RESOURCE_PATCH_RESPONSE,
        }
        found += _invalid(model, body, contexts[method])
        if method == "POST" and "location" not in exchange.response_headers:
            found.append("a created resource is answered with a Location header (§3.3)")
        version = (body.get("meta") or {}).get("version") if isinstance(body, dict) else None
        if version and "etag" not in exchange.response_headers:
            found.append("a versioned resource is answered with an ETag header (§3.14)")
        return found
