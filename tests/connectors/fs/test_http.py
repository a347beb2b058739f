"""The shared HTTP helper (``edusync.connectors.http``) against a small server on loopback: what
it retries, what it never sends twice, and what its errors show."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from edusync.connectors.http import MalformedAnswer, ServerTrouble, read_json, request
from edusync.errors import FatalError
from edusync.sandbox.serving import serve_in_thread

FNR = "01010112345"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, dict[str, int]]]:
    seen: dict[str, int] = {}
    app = FastAPI()

    @app.api_route("/{name}", methods=["GET", "POST"])
    async def answer(name: str, request: Request) -> PlainTextResponse:
        seen[f"{request.method} {name}"] = seen.get(f"{request.method} {name}", 0) + 1
        if name == "echo":  # a server that quotes what it was sent, national id and all
            return PlainTextResponse(f"invalid nationalId {FNR} in row 3", status_code=422)
        if name == "sick":
            return PlainTextResponse("internal error", status_code=500)
        if name == "garbage":
            return PlainTextResponse('{"items": [', media_type="application/json")
        return PlainTextResponse("{}", media_type="application/json")

    with serve_in_thread(app) as url:
        yield url, seen


def call(url: str, method: str, path: str, **extra: object) -> httpx.Response:
    with httpx.Client(base_url=url) as client:
        return request(client, method, path, what=f"the {path}", system="X", retries=2, backoff=0, **extra)  # type: ignore[arg-type]


def test_an_error_body_is_quoted_with_national_ids_masked(server: tuple[str, dict[str, int]]) -> None:
    url, _ = server
    with pytest.raises(FatalError, match=r"X: the echo: HTTP 422: invalid nationalId 010101\*{5} in row 3") as err:
        call(url, "POST", "echo")
    assert FNR not in str(err.value)


def test_a_5xx_is_retried_for_a_get_but_a_post_is_sent_once(server: tuple[str, dict[str, int]]) -> None:
    url, seen = server
    with pytest.raises(ServerTrouble, match="X: the sick: HTTP 500 after 3 attempts") as get:
        call(url, "GET", "sick")
    assert not get.value.maybe_done and seen["GET sick"] == 3
    with pytest.raises(ServerTrouble, match="HTTP 500 after 1 attempt; X may have carried it out") as post:
        call(url, "POST", "sick")
    assert post.value.maybe_done and seen["POST sick"] == 1
    with pytest.raises(ServerTrouble, match="after 3 attempts"):
        call(url, "POST", "sick", idempotent=True)
    assert seen["POST sick"] == 4, "a POST marked safe to repeat is retried"


def test_a_refused_connection_is_retried_even_for_a_post() -> None:
    with httpx.Client(base_url="http://127.0.0.1:9") as client, pytest.raises(ServerTrouble) as err:
        request(client, "POST", "x", what="the x", system="X", retries=1, backoff=0)
    assert "ConnectError after 2 attempts" in str(err.value) and not err.value.maybe_done


def test_a_body_that_is_not_json_names_the_system_and_resource(server: tuple[str, dict[str, int]]) -> None:
    url, _ = server
    with pytest.raises(MalformedAnswer, match=r"^X sent malformed JSON for the garbage \("):
        read_json(call(url, "GET", "garbage"), system="X", what="the garbage")
