"""Serialise FINT collections fast: lazily rendered, cached chunks joined into one envelope.

A chunk is the comma-joined JSON of up to :data:`~.table.CHUNK` consecutive
rows of one view for one base URL. It is rendered with orjson on first use and
kept until a row in it changes (the table's chunk version moves) or the cache
outgrows its byte budget (least recently used chunks go first). A second full
read of a million memberships is therefore a memory copy, so a benchmark that
reads the sandbox measures the client, not the sandbox.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

import orjson

from edusync.sandbox.fint.catalog import View
from edusync.sandbox.fint.county import County
from edusync.sandbox.fint.hal import Hrefs
from edusync.sandbox.fint.table import CHUNK

#: Default cache budget: enough for every collection of the 100 000-person county once.
DEFAULT_CACHE_BYTES = 2 * 1024**3


class Pages:
    """Chunk cache and envelope builder for one county."""

    def __init__(self, county: County, *, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.county = county
        self.max_bytes = max_bytes
        self._chunks: OrderedDict[tuple[str, str, int], tuple[int, bytes]] = OrderedDict()
        self._bytes = 0
        self._hrefs: dict[str, Hrefs] = {}

    def hrefs(self, base: str) -> Hrefs:
        found = self._hrefs.get(base)
        if found is None:
            found = self._hrefs[base] = Hrefs(base)
        return found

    @property
    def cached_bytes(self) -> int:
        return self._bytes

    def clear(self) -> None:
        self._chunks.clear()
        self._bytes = 0

    # --- single objects and ad-hoc lists ---------------------------------------

    def one(self, view: View, base: str, pos: int) -> bytes:
        with self.county.lock:
            return orjson.dumps(view.render(self.county, pos, self.hrefs(base)))

    def _render(self, view: View, base: str, positions: range | list[int]) -> bytes:
        h = self.hrefs(base)
        county = self.county
        with county.lock:
            if view.fast is not None:
                return view.fast(county, positions, h)
            return orjson.dumps([view.render(county, pos, h) for pos in positions])[1:-1]

    def _chunk(self, view: View, base: str, chunk: int) -> bytes:
        table = view.table(self.county)
        key = (view.path, base, chunk)
        with self.county.lock:
            version = table.chunk_version(chunk)
            hit = self._chunks.get(key)
            if hit is not None and hit[0] == version:
                self._chunks.move_to_end(key)
                return hit[1]
            stop = min(len(table), (chunk + 1) * CHUNK)
            data = self._render(view, base, range(chunk * CHUNK, stop))
            if hit is not None:
                self._bytes -= len(hit[1])
            self._chunks[key] = (version, data)
            self._bytes += len(data)
            while self._bytes > self.max_bytes and len(self._chunks) > 1:
                _, (_, old) = self._chunks.popitem(last=False)
                self._bytes -= len(old)
            return data

    def prewarm(self, views: list[View], base: str) -> int:
        """Render and cache every chunk of ``views`` for ``base``; returns the cached bytes."""
        for view in views:
            rows = len(view.table(self.county))
            for chunk in range((rows + CHUNK - 1) // CHUNK):
                self._chunk(view, base, chunk)
        return self._bytes

    # --- collections ----------------------------------------------------------

    def entries(self, view: View, base: str, start: int, stop: int) -> Iterator[bytes]:
        """The entries of rows ``start``–``stop`` as JSON fragments (no commas between)."""
        first, last = start // CHUNK, (stop - 1) // CHUNK
        for chunk in range(first, last + 1):
            lo, hi = max(start, chunk * CHUNK), min(stop, (chunk + 1) * CHUNK)
            if lo >= hi:
                continue
            if lo == chunk * CHUNK and (hi == (chunk + 1) * CHUNK or hi == len(view.table(self.county))):
                yield self._chunk(view, base, chunk)
            else:  # a page edge inside a chunk: render just those rows
                yield self._render(view, base, range(lo, hi))

    def envelope(
        self,
        view: View,
        base: str,
        *,
        since: int | None = None,
        positions: list[int] | None = None,
        offset: int = 0,
        size: int = 0,
    ) -> Iterator[bytes]:
        """The HAL collection as FINT's consumer builds it: all rows or the delta ``positions``, one page when ``size``.

        ``total_items`` is the size of the whole cache even for a delta, ``size`` the entries in
        this answer and ``offset`` the one asked for; with ``size`` the self link carries the page
        and ``prev``/``next`` links are added, ``next`` while ``offset + size`` is short of the cache
        size (so a short delta page still has one: a client pages a delta by ``size``).
        """
        table = view.table(self.county)
        with self.county.lock:
            cached = len(table)
            if positions is not None and len(positions) == cached:
                positions = None  # a delta from before the county existed is everything: use the cache
            count = cached if positions is None else len(positions)
        stop = count if size <= 0 else min(count, offset + size)
        start = min(offset, stop)
        yield b'{"_embedded":{"_entries":['
        if positions is None:
            pieces: Iterator[bytes] = self.entries(view, base, start, stop)
        else:
            chosen = positions
            pieces = (self._render(view, base, chosen[i : min(stop, i + CHUNK)]) for i in range(start, stop, CHUNK))
        first = True
        for piece in pieces:
            if not first:
                yield b","
            first = False
            yield piece
        url = base + view.path
        query = f"?sinceTimeStamp={since}" if since else ""
        links: dict[str, list[dict[str, str]]] = {}
        if size > 0:
            glue = "&" if query else "?"

            def page(at: int) -> list[dict[str, str]]:
                return [{"href": f"{url}{query}{glue}offset={at}&size={size}"}]

            links["self"] = page(offset)
            if offset > 0:
                links["prev"] = page(max(0, offset - size))
            if offset + size < cached:
                links["next"] = page(offset + size)
        else:
            links["self"] = [{"href": url + query}]
        total = max(cached, stop - start)
        tail = {"_links": links, "total_items": total, "offset": offset, "size": stop - start}
        yield b"]}," + orjson.dumps(tail)[1:]
