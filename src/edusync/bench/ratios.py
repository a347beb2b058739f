"""Timing the floor (:mod:`.floor`) before and after a bench's runs, and each figure as a ratio to it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from edusync.bench.process import timed
from edusync.errors import FatalError


class Floor:
    """The floor for one bench: ``measure`` it before the timed runs and after them, then ``figures``."""

    def __init__(self, source: list[str], folder: Path, say: Callable[[str], None]) -> None:
        self.source = source  # the floor's source arguments: --files DIR or --fint BASE
        self.folder = folder
        self.say = say
        self.seconds: dict[str, float] = {}
        self.rss: dict[str, float] = {}
        self.rows: dict[str, int] = {}

    def measure(self, when: str, env: dict[str, str]) -> None:
        self.say(f"timing the floor ({when})")
        out = self.folder / f"floor-{when}"
        cmd = [sys.executable, "-m", "edusync.bench.floor", str(out), *self.source]
        seconds, rss, code, stdout, err = timed(cmd, env)
        if code != 0:
            raise FatalError(f"the floor ({when}) exited {code}: {err}")
        rows = self.rows[when] = int(orjson.loads(stdout)["rows"])
        self.seconds[when], self.rss[when] = seconds, rss
        self.say(f"floor ({when}): {seconds:.1f} s, {rows} rows, {rss:.0f} MB")

    def figures(self, results: dict[str, Any]) -> dict[str, Any]:
        """The floor's keys, and ``<figure>_ratio`` (figure / floor) for each timed figure in ``results``."""
        if not self.seconds:
            return {}
        floor = sum(self.seconds.values()) / len(self.seconds)
        out: dict[str, Any] = {
            "floor_s": round(floor, 2),
            **{f"floor_{when}_s": round(s, 2) for when, s in self.seconds.items()},
            "floor_rss_mb": round(max(self.rss.values()), 1),
            # What the full run read: the first floor's (after a FINT day the county has grown a little).
            "floor_rows": next(iter(self.rows.values())),
        }
        for name in ("full", "rerun", "delta", "changes_1000"):
            if f"{name}_s" in results:
                out[f"{name}_ratio"] = round(results[f"{name}_s"] / floor, 2)
        return out
