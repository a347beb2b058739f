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

from edusync.connectors.fs.http import request
from edusync.connectors.fs.keys import ExamKey
from edusync.connectors.fs.settings import FsSettings

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

    def _get(self, path: str, what: str, **params: Any) -> Any:
        s = self.settings
        response = request(
            self._http, "GET", path, what=what, system="FS", retries=s.retries, backoff=s.backoff, params=params
        )
        return response.json()

    def _pages(self, path: str, what: str, **params: Any) -> Iterator[Json]:
        offset = 0
        while True:
            page = self._get(path, what, **params, limit=PAGE, offset=offset)
            items: list[Json] = page.get("items") or []
            yield from items
            offset += len(items)
            if not items or offset >= int(page.get("size", offset)):
                return

    def list_exams(self, tid: str | None = None) -> list[Json]:
        """The exams FS offers for fetching (all terms, or one ``YYYY TTT``)."""
        params = {"tid": tid} if tid else {}
        return list(self._pages("vurderingsenheter", "the list of exams (vurderingsenheter)", **params))

    def exam(self, key: ExamKey) -> Json:
        """One exam with rooms, candidates and commissions."""
        data: Json = self._get(f"vurderingsenheter/{key.path}", f"exam {key.id}")
        return data

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
        data: Json = response.json()
        return data

    def programmes(self) -> list[Json]:
        return list(self._pages("studieprogrammer", "studieprogrammer"))

    def kull(self) -> list[Json]:
        return list(self._pages("kull", "kull"))

    def programme_students(self, code: str) -> Iterator[Json]:
        return self._pages(f"studieprogrammer/{quote(code, safe='')}/studenter", f"students of studieprogram {code}")
