"""A small client for the FS REST API (HTTP Basic): exams, results and study programmes.

Paths are those of the FS sandbox (``docs/sandbox-fs.md``), which follows the old FS-API's style;
FS has not published its resources for assessment units and results, so pointing this at a real
FS means adjusting paths here, not the mapping.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx

from edusync.connectors.fs.keys import ExamKey
from edusync.connectors.fs.settings import FsSettings
from edusync.connectors.http import MalformedAnswer, read_json, request

Json = dict[str, Any]
PAGE = 500


class FsClient:
    def __init__(self, settings: FsSettings, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self._http = httpx.Client(
            base_url=settings.base_url.rstrip("/") + "/",
            auth=(settings.username, settings.password.get_secret_value()),
            timeout=settings.timeout,
            headers={"accept": "application/json"},
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def _get(self, path: str, what: str, **params: Any) -> Json:
        s = self.settings
        response = request(
            self._http, "GET", path, what=what, system="FS", retries=s.retries, backoff=s.backoff, params=params
        )
        return _object(read_json(response, system="FS", what=what), what)

    def _pages(self, path: str, what: str, **params: Any) -> Iterator[Json]:
        offset = 0
        while True:
            page = self._get(path, what, **params, limit=PAGE, offset=offset)
            items = page.get("items")
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise MalformedAnswer(f"FS: {what}: the page's 'items' is not a list of objects")
            yield from items
            offset += len(items)
            size = page.get("size")
            if not items or offset >= (size if isinstance(size, int) else offset):
                return

    def list_exams(self, tid: str | None = None) -> list[Json]:
        """The exams FS offers for fetching (all terms, or one ``YYYY TTT``)."""
        params = {"tid": tid} if tid else {}
        return list(self._pages("vurderingsenheter", "the list of exams (vurderingsenheter)", **params))

    def exam(self, key: ExamKey) -> Json:
        """One exam with rooms, candidates and commissions."""
        return self._get(f"vurderingsenheter/{key.path}", f"exam {key.id}")

    def results(self, key: ExamKey) -> list[Json]:
        """The results FS holds for an exam (asked before sending, so nothing is sent twice)."""
        items = self._get(f"vurderingsenheter/{key.path}/resultater", f"results of exam {key.id}").get("items")
        if not isinstance(items, list):
            raise MalformedAnswer(f"FS: results of exam {key.id}: 'items' is not a list")
        return items

    def send_results(self, key: ExamKey, rows: list[Json]) -> Json:
        """POST grades; FS answers per row (index-aligned) with ACCEPTED or REJECTED and a reason."""
        s = self.settings
        response = request(
            self._http,
            "POST",
            f"vurderingsenheter/{key.path}/resultater",
            what=f"results for exam {key.id}",
            system="FS",
            retries=s.retries,
            backoff=s.backoff,
            json={"resultater": rows},
        )
        what = f"results for exam {key.id}"
        answer = _object(read_json(response, system="FS", what=what), what)
        outcomes = answer.get("rows")
        if not isinstance(outcomes, list) or len(outcomes) != len(rows):
            raise MalformedAnswer(f"FS: {what}: expected one outcome per row ({len(rows)}) in 'rows'")
        return answer

    def programmes(self) -> list[Json]:
        return list(self._pages("studieprogrammer", "studieprogrammer"))

    def kull(self) -> list[Json]:
        return list(self._pages("kull", "kull"))

    def programme_students(self, code: str) -> Iterator[Json]:
        return self._pages(f"studieprogrammer/{quote(code, safe='')}/studenter", f"students of studieprogram {code}")


def _object(data: Any, what: str) -> Json:
    if not isinstance(data, dict):
        raise MalformedAnswer(f"FS: {what}: expected a JSON object, got {type(data).__name__}")
    return data
