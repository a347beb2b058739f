"""A compact, append-only table of FINT objects with change stamps.

The big county holds about two million objects, so rows are slotted records that
point at each other by list position, and nothing that can be derived is stored:

* identifiers are either stored (elev UUIDs, fødselsnumre) or *positional*
  (``prefix + number``), so 1.5 million memberships cost no id strings at all;
* every row has a last-modified stamp (epoch millis) in a flat ``array``;
* a change log of ``(stamp, position)`` pairs answers ``sinceTimeStamp`` without a
  scan, because a day's changes are a few hundred rows out of millions;
* a version per chunk of rows tells the serialiser which cached pages are stale.

FINT's delta rule, as its consumer implements it: an object is in a delta when its
stamp is at or after ``sinceTimeStamp`` (fint-core-consumer's ``FintCache`` takes the
tail of its entries from the timestamp on; FINT's API overview says "later than", so
a client reads with an overlap either way).
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

R = TypeVar("R")

#: Rows per serialised chunk; a page cache entry covers one chunk of one view.
CHUNK = 2048
#: How long the sandbox's first full sync took to reach the cache (see :meth:`Table.seal`).
_FIRST_SYNC_MS = 600_000


class Table(Generic[R]):
    """Rows of one FINT class, addressed by position.

    ``prefix`` given: ids are ``f"{prefix}{position + offset}"`` and never stored.
    ``prefix`` None: ids are given to :meth:`add` and kept with a reverse index.
    """

    def __init__(self, name: str, *, prefix: str | None = None, offset: int = 1) -> None:
        self.name = name
        self.rows: list[R] = []
        self.stamps = array("q")
        self._prefix = prefix
        self._offset = offset
        self._ids: list[str] = []
        self._index: dict[str, int] = {}
        # Rows added before ``seal`` carry the creation stamp and are not logged,
        # so generating two million rows does not also build a two-million-entry log.
        self._sealed_at: int | None = None
        self._log_stamps = array("q")
        self._log_pos = array("q")
        self._versions: list[int] = []
        self._keys: dict[str, dict[str, int]] = {}
        self._last = 0

    def __len__(self) -> int:
        return len(self.rows)

    # --- rows and ids -------------------------------------------------------

    def add(self, row: R, stamp: int, sid: str | None = None) -> int:
        """Append ``row``; stored-id tables need ``sid``. Returns the new position."""
        pos = len(self.rows)
        if self._prefix is None:
            if sid is None:
                raise ValueError(f"{self.name}: a stored-id table needs an id")
            if sid in self._index:
                raise ValueError(f"{self.name}: duplicate id")
            self._ids.append(sid)
            self._index[sid] = pos
        self.rows.append(row)
        self.stamps.append(stamp)
        if pos % CHUNK == 0:
            self._versions.append(0)
        self._changed(pos, stamp)
        return pos

    def sid(self, pos: int) -> str:
        """The identifier of the row at ``pos`` (systemId, fødselsnummer or organisasjonsId)."""
        if self._prefix is None:
            return self._ids[pos]
        return f"{self._prefix}{pos + self._offset}"

    def find(self, sid: str) -> int | None:
        """Position of the row with identifier ``sid``, or None."""
        if self._prefix is None:
            return self._index.get(sid)
        rest = sid[len(self._prefix) :] if sid.startswith(self._prefix) else ""
        # Only the canonical spelling matches: "UGM-07" is not "UGM-7".
        if not (rest.isascii() and rest.isdigit()) or (len(rest) > 1 and rest[0] == "0"):
            return None
        pos = int(rest) - self._offset
        return pos if 0 <= pos < len(self.rows) else None

    def lookup(self, field: str, value: str, getter: Callable[[R], str | None]) -> int | None:
        """Position of the row whose ``getter`` value is ``value`` (feidenavn, skolenummer …).

        The index is built on first use and dropped on any change, which is cheap
        next to a day's worth of HTTP requests.
        """
        index = self._keys.get(field)
        if index is None:
            index = {}
            for pos, row in enumerate(self.rows):
                key = getter(row)
                if key is not None:
                    index.setdefault(key, pos)
            self._keys[field] = index
        return index.get(value)

    # --- change tracking ----------------------------------------------------

    def seal(self, stamp: int) -> None:
        """From now on every add and touch is logged for deltas.

        The rows read so far are spread over the ten minutes up to ``stamp``, in position order,
        as an adapter's first full sync reaches FINT's cache over some minutes: a delta read with
        an overlap before the newest stamp then finds the few rows of that overlap, not all of them.
        """
        count = len(self.stamps)
        step = max(1, _FIRST_SYNC_MS // max(1, count))
        for pos in range(count):
            if self.stamps[pos] == stamp:
                self.stamps[pos] = stamp - (count - 1 - pos) * step
        self._sealed_at = stamp

    def touch(self, pos: int, stamp: int) -> None:
        """Mark the row at ``pos`` as modified at ``stamp``."""
        self.stamps[pos] = stamp
        self._changed(pos, stamp)

    def _changed(self, pos: int, stamp: int) -> None:
        self._versions[pos // CHUNK] += 1
        self._last = max(self._last, stamp)
        if self._keys:
            self._keys.clear()
        if self._sealed_at is not None:
            self._log_stamps.append(stamp)
            self._log_pos.append(pos)

    def since(self, stamp: int) -> list[int]:
        """Positions modified at or after ``stamp``, in position order."""
        if self._sealed_at is None or stamp <= self._sealed_at:
            stamps = self.stamps
            return [pos for pos in range(len(stamps)) if stamps[pos] >= stamp]
        start = bisect.bisect_left(self._log_stamps, stamp)
        return sorted(set(self._log_pos[start:]))

    def last_updated(self) -> int:
        """The newest stamp in the table (0 when empty)."""
        return self._last

    def chunk_version(self, chunk: int) -> int:
        """A counter that changes whenever a row of ``chunk`` changes."""
        return self._versions[chunk]

    def __iter__(self) -> Iterator[R]:
        return iter(self.rows)
