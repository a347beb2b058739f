"""Injected faults: the bad days a FINT connector must survive, switched on through the admin API.

* ``fail``: the next N requests (optionally only under a path prefix) answer 5xx;
* ``delay``: requests wait before answering, long enough for a client to time out;
* ``truncate``: the next N reads of a collection stop half way through the JSON;
* ``missing``: one object answers 404 on its identifier route (a dangling link);
* ``forbid``: a class answers 403, as FINT does when the client lacks access to it;
* ``empty``: a class answers an empty collection, as an adapter does that lost its cache.

Counters are consumed under a lock because uvicorn may run sync handlers in threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit


@dataclass
class Faults:
    fail_count: int = 0
    fail_status: int = 500
    fail_path: str = ""
    delay_seconds: float = 0.0
    delay_count: int | None = None  # None: every matching request until cleared
    delay_path: str = ""
    truncate: dict[str, int] = field(default_factory=dict)
    missing: set[tuple[str, str, str]] = field(default_factory=set)
    forbidden: set[str] = field(default_factory=set)
    emptied: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take_failure(self, path: str) -> int | None:
        """The status to fail this request with, if a failure is due."""
        with self._lock:
            if self.fail_count > 0 and path.startswith(self.fail_path):
                self.fail_count -= 1
                return self.fail_status
        return None

    def take_delay(self, path: str) -> float:
        with self._lock:
            if self.delay_seconds <= 0 or not path.startswith(self.delay_path):
                return 0.0
            if self.delay_count is not None:
                if self.delay_count <= 0:
                    return 0.0
                self.delay_count -= 1
            return self.delay_seconds

    def take_truncate(self, view_path: str) -> bool:
        with self._lock:
            left = self.truncate.get(view_path, 0)
            if left <= 0:
                return False
            self.truncate[view_path] = left - 1
            return True

    def is_missing(self, view_path: str, field_name: str, value: str) -> bool:
        return (view_path, field_name.lower(), value) in self.missing

    def add_missing(self, target: str) -> tuple[str, str, str]:
        """Make the object at ``target`` (an href or path ``/d/p/class/field/value``) answer 404."""
        parts = unquote(urlsplit(target).path).strip("/").split("/")
        if len(parts) != 5:
            raise ValueError("expected a link like /utdanning/elev/elev/systemid/123")
        key = ("/" + "/".join(parts[:3]), parts[3].lower(), parts[4])
        with self._lock:
            self.missing.add(key)
        return key

    def clear(self) -> None:
        with self._lock:
            self.fail_count, self.delay_seconds, self.delay_count = 0, 0.0, None
            self.fail_path = self.delay_path = ""
            self.truncate.clear()
            self.missing.clear()
            self.forbidden.clear()
            self.emptied.clear()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "fail": {"count": self.fail_count, "status": self.fail_status, "path": self.fail_path},
                "delay": {"seconds": self.delay_seconds, "count": self.delay_count, "path": self.delay_path},
                "truncate": {k: v for k, v in self.truncate.items() if v > 0},
                "missing": [f"{path}/{name}/{value}" for path, name, value in sorted(self.missing)],
                "forbidden": sorted(self.forbidden),
                "empty": sorted(self.emptied),
            }
