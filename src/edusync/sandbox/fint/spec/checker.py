"""Holds every HTTP exchange with the FINT sandbox to FINT's published consumer API.

Sources: FINT's API overview, accessing and updating pages (FINTLabs/fintlabs.github.io
``content/api/``) and fint-core-consumer (``ResourceController``, ``LinkPaginator``,
``FintCache``, ``RequestStatusService``), with the classes of FINT's information model in
``fint-model.json``. A request must be one of the consumer's operations, with a bearer token,
query parameters it knows and, for a write, a whole resource of the class. An answer must be
what the consumer gives: a HAL collection whose ``total_items`` is the cache size, ``size`` the
entries it holds and ``offset`` the one asked for, with ``self``/``prev``/``next`` page links; a
resource of the class; ``202`` + ``Location`` under the class's ``status/`` for a write; and on
that status ``202``, ``201`` + ``Location`` + the resource, ``400``/``500`` with a message,
``409`` with the resource it conflicts with, or ``410``. Answers the sandbox gives on purpose to
play a broken network (its ``x-sandbox-fault`` header) and its ``/_sandbox`` controls are not
FINT and are counted apart.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from edusync.sandbox.fint.spec.schema import classes, resource_problems, split_link
from edusync.testing.exchanges import Exchange

CONTROLS = "sandbox controls (not FINT)"
FAULT = "sandbox fault (not FINT)"
LOGIN_PATH = "/nidp/oauth/nam/token"  # FINT's identity provider, where the sandbox serves it
QUERY = {"sinceTimeStamp", "size", "offset", "$filter"}
#: Answers any operation may give without a FINT body: auth, access, no adapter, a server in trouble.
PLAIN = {401, 403, 404, 500, 502, 503, 504}


def _route(path: str) -> tuple[str, str, list[str]]:
    """(operation, class path, the rest of the path) for a FINT path."""
    segments = path.split("/")
    cls = "/".join(segments[:4])
    rest = segments[4:]
    if cls not in classes():
        if len(segments) == 5 and segments[3] == "admin":
            return "health", "", rest
        return "unknown", cls, rest
    if not rest:
        return "collection", cls, rest
    if rest == ["last-updated"]:
        return "last-updated", cls, rest
    if rest == ["cache", "size"]:
        return "cache size", cls, rest
    if len(rest) == 2 and rest[0] == "status":
        return "status", cls, rest
    if len(rest) == 2:
        return "resource", cls, rest
    return "unknown", cls, rest


def _json(data: bytes, where: str) -> tuple[Any, list[str]]:
    try:
        return json.loads(data), []
    except (ValueError, UnicodeDecodeError):
        return None, [f"{where} is not JSON"]


class FintChecker:
    system = "fint"

    def kind(self, exchange: Exchange) -> str:
        if exchange.path.startswith("/_sandbox"):
            return CONTROLS
        if exchange.response_headers.get("x-sandbox-fault"):
            return FAULT
        if exchange.path == LOGIN_PATH:
            return "token (password grant)"
        operation, cls, _ = _route(exchange.path)
        name = cls.rsplit("/", 1)[-1]
        if operation == "collection" and "sinceTimeStamp" in parse_qs(exchange.query):
            operation = "delta"
        return f"{exchange.method} {operation} {name}".replace("  ", " ").strip()

    def problems(self, exchange: Exchange) -> list[str]:
        return self.request_problems(exchange) + self.answer_problems(exchange)

    def request_problems(self, exchange: Exchange) -> list[str]:
        """What in the request our connector (or a test) should not have sent."""
        if exchange.path.startswith("/_sandbox") or exchange.response_headers.get("x-sandbox-fault"):
            return []
        if exchange.path == LOGIN_PATH:
            form = parse_qs(exchange.request_body.decode("utf-8", "replace"))
            found = [] if exchange.method == "POST" else ["the token endpoint takes a POST"]
            return found + (
                [] if form.get("grant_type") == ["password"] else ["FINT clients log in with the password grant"]
            )
        found = []
        if not exchange.request_headers.get("authorization", "").startswith("Bearer "):
            found.append("a FINT request carries an OAuth bearer token")
        operation, cls, rest = _route(exchange.path)
        if operation == "unknown":
            return [*found, f"{exchange.path} is no operation of FINT's consumer API"]
        if exchange.method == "PUT" and operation == "resource":
            idents = {i.lower() for i in classes()[cls]["identifiers"]}
            if rest[0] not in idents:
                found.append(f"a write addresses {cls} by {rest[0]!r}, none of its identifiers")
            if not exchange.request_body and exchange.status in (401, 403, 404, 405):
                return found  # refused before the body was read: only the request line can be held
            body, bad = _json(exchange.request_body, "the written resource")
            # The consumer sets a written resource's self links itself (LinkService.mapLinks): not checked.
            return found + (bad or resource_problems(cls, body, "the written resource", check_self=False))
        if exchange.method != "GET":
            return [*found, f"FINT's consumer has no {exchange.method} {operation}"]
        query = parse_qs(exchange.query)
        if operation == "resource" and rest[0] not in {i.lower() for i in classes()[cls]["identifiers"]}:
            found.append(f"{rest[0]!r} is none of {cls}'s identifiers")
        if operation != "collection":
            return found + ([f"{operation} takes no query ({exchange.query})"] if exchange.query else [])
        found += [f"FINT's collections take no {k!r} parameter" for k in query if k not in QUERY]
        for key in ("sinceTimeStamp", "size", "offset"):
            if key in query and not query[key][0].isdigit():
                found.append(f"{key} is a non-negative integer, not {query[key][0]!r}")
        return found

    def answer_problems(self, exchange: Exchange) -> list[str]:
        """What in the answer FINT would not have sent."""
        if exchange.path.startswith("/_sandbox") or exchange.response_headers.get("x-sandbox-fault"):
            return []
        if exchange.path == LOGIN_PATH:
            return self._token(exchange)
        operation, cls, rest = _route(exchange.path)
        if operation == "unknown" or (exchange.status in (400, 401, 403, 404) and operation != "status"):
            return []  # a refusal: FINT says no in its own words, which the specification does not fix
        if exchange.method == "PUT":
            return self._put(exchange, cls) if operation == "resource" else []
        if exchange.status in PLAIN and operation != "status":
            return []
        if operation == "collection":
            return self._collection(exchange, cls)
        if operation == "resource":
            return self._resource(exchange, cls, rest)
        if operation == "status":
            return self._status(exchange, cls)
        body, bad = _json(exchange.response_body, f"the {operation} answer")
        if bad or exchange.status != 200:
            wrong = [f"{operation} answers 200, not {exchange.status}"] if exchange.status != 200 else []
            return [*bad, *wrong]
        key = {"last-updated": "lastUpdated", "cache size": "size", "health": "status"}[operation]
        value = body.get(key) if isinstance(body, dict) else None
        if operation != "health" and not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
            return [f"the {operation} answer has no {key} number"]
        return []

    # -- answers ---------------------------------------------------------------------------

    def _token(self, exchange: Exchange) -> list[str]:
        if exchange.status != 200:
            return []
        body, bad = _json(exchange.response_body, "the token answer")
        if bad or not isinstance(body, dict) or not body.get("access_token"):
            return ["a token answer holds an access_token"]
        return []

    def _collection(self, exchange: Exchange, cls: str) -> list[str]:
        if exchange.status != 200:
            return [f"a collection answers 200, not {exchange.status}"]
        body, bad = _json(exchange.response_body, "the collection")
        if bad or not isinstance(body, dict):
            return bad or ["the collection is not a JSON object"]
        return _page_problems(exchange, cls, body, parse_qs(exchange.query))

    def _resource(self, exchange: Exchange, cls: str, rest: list[str]) -> list[str]:
        if exchange.status != 200:
            return [f"a resource answers 200 or 404, not {exchange.status}"]
        body, bad = _json(exchange.response_body, "the resource")
        if bad:
            return bad
        found = resource_problems(cls, body)
        own = [split_link(s.get("href", "")) for s in (body.get("_links") or {}).get("self", [])]
        if (cls, rest[0], rest[1]) not in own:
            found.append("the resource has no self link by the identifier it was asked for")
        return found

    def _put(self, exchange: Exchange, cls: str) -> list[str]:
        if exchange.status in (*PLAIN, 400, 405):
            return []
        if exchange.status != 202:
            return [f"a write is answered 202 (accepted), not {exchange.status}"]
        location = exchange.response_headers.get("location", "")
        if not urlsplit(location).path.startswith(f"{cls}/status/"):
            return [f"a write's Location is its status under {cls}/status/, not {location[:80]!r}"]
        return []

    def _status(self, exchange: Exchange, cls: str) -> list[str]:
        status = exchange.status
        if status in (202, 410, 204, 401, 403):
            return []
        body, bad = _json(exchange.response_body, f"the {status} status")
        if bad:
            return bad
        if status == 201:
            found = resource_problems(cls, body, "the written resource")
            selves = {s.get("href") for s in (body.get("_links") or {}).get("self", []) if isinstance(s, dict)}
            if exchange.response_headers.get("location") not in selves:
                found.append("a 201 status has a Location naming the resource's self link")
            return found
        if status == 409:
            return resource_problems(cls, body, "the conflicting resource")
        if status in (200, 400, 500):
            return [] if isinstance(body, dict) else [f"a {status} status carries a JSON object"]
        return [f"a write's status is 202, 201, 400, 409, 500 or 410, not {status}"]


def _page_problems(exchange: Exchange, cls: str, body: dict[str, Any], query: dict[str, list[str]]) -> list[str]:
    """The collection envelope as fint-core-consumer builds it, and each entry as the model has it."""
    found = [f"a collection has no {key!r}" for key in ("_embedded", "_links", "total_items", "offset", "size")
             if key not in body]  # fmt: skip
    entries = (body.get("_embedded") or {}).get("_entries")
    if not isinstance(entries, list):
        return [*found, "the collection's _embedded._entries is not an array"]
    total, offset, size = body.get("total_items"), body.get("offset"), body.get("size")
    if found or not (isinstance(total, int) and isinstance(offset, int) and isinstance(size, int)):
        return found or ["total_items, offset and size are integers"]
    asked = int(query.get("size", ["0"])[0])
    want_offset = int(query.get("offset", ["0"])[0]) if asked > 0 else 0
    if size != len(entries):
        found.append(f"size is the entries in this answer ({len(entries)}), not {size}")
    if offset != want_offset:
        found.append(f"offset is the one asked for ({want_offset}), not {offset}")
    if asked and len(entries) > asked:
        found.append(f"a page of size {asked} holds {len(entries)} entries")
    if total < len(entries):
        found.append("total_items is the size of the whole cache, never less than a page")
    found += _paging_links(exchange, body.get("_links"), asked, want_offset, total, query)
    for i, entry in enumerate(entries):
        found += resource_problems(cls, entry, f"entry {i}")
        if len(found) > 20:
            break
    return found


def _paging_links(
    exchange: Exchange, links: Any, size: int, offset: int, total: int, query: dict[str, list[str]]
) -> list[str]:
    if not isinstance(links, dict) or not isinstance(links.get("self"), list) or not links["self"]:
        return ["a collection has a self link"]
    expected: dict[str, int] = {}
    if size > 0:
        expected["self"] = offset
        if offset > 0:
            expected["prev"] = max(0, offset - size)
        if offset + size < total:
            expected["next"] = offset + size
    found = [f"a collection has no {rel!r} link" for rel in expected if rel not in links]
    found += [f"a collection has a {rel!r} link it should not" for rel in ("prev", "next") if rel in links and
              rel not in expected]  # fmt: skip
    for rel, want in expected.items():
        if rel not in links:
            continue
        href = links[rel][0].get("href", "") if links[rel] else ""
        parts = urlsplit(href)
        got = parse_qs(parts.query)
        if parts.path != exchange.path:
            found.append(f"the {rel} link is not to {exchange.path}")
        if got.get("offset") != [str(want)] or got.get("size") != [str(size)]:
            found.append(f"the {rel} link is offset={want}&size={size}, not {parts.query!r}")
        if got.get("sinceTimeStamp") != query.get("sinceTimeStamp"):
            found.append(f"the {rel} link keeps the request's sinceTimeStamp")
    return found
