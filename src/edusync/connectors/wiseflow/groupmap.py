"""edusync's own record of which WISEflow assessor group is which FS kommisjon, per flow.

WISEflow's assessor groups carry no external id (``{title, assessorIds}`` in, ``{id, title,
assessorIds, participantIds}`` out), so only edusync can know that group 81 is kommisjon 4001. The
record is a small JSON file (``group_map`` in the settings), replaced atomically after each change,
so a re-sync updates the groups it made instead of making them again.

A group can be made and its id not recorded: the process dies between the two, or WISEflow's
answer to the create is lost. The group is then on the flow, unmapped, with the title edusync gave
it; :meth:`GroupMap.adopt` takes such a group back (only when exactly one unmapped group has that
title), so nothing is created twice.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from edusync.errors import FatalError


class GroupMap:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._flows: dict[str, dict[str, int]] | None = None

    def _load(self) -> dict[str, dict[str, int]]:
        if self._flows is None:
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
                self._flows = {
                    str(f): {str(k): int(v) for k, v in groups.items()} for f, groups in raw.get("flows", {}).items()
                }
            except (OSError, ValueError, AttributeError, TypeError) as exc:
                raise FatalError(f"{self.path}: cannot read the WISEflow group map: {exc}") from exc
        return self._flows

    def groups(self, flow_id: int) -> dict[str, int]:
        """FS kommisjon id → WISEflow group id, for one flow."""
        return dict(self._load().get(str(flow_id), {}))

    def record(self, flow_id: int, kommisjon: str, group_id: int) -> None:
        self._load().setdefault(str(flow_id), {})[kommisjon] = group_id
        self._save()

    def forget(self, flow_id: int, kommisjon: str) -> None:
        if self._load().get(str(flow_id), {}).pop(kommisjon, None) is not None:
            self._save()

    def _save(self) -> None:
        data = json.dumps({"flows": self._load()}, indent=1, sort_keys=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def reset(self) -> None:
        """Read the file again on next use (another process may have written it)."""
        self._flows = None
