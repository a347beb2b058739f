"""Write a generated county with N memberships through the target and print peak memory (run as a script).

Used by test_streaming in a fresh process, so that the peak resident size belongs to this write alone.
"""

from __future__ import annotations

import resource
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from edusync.connectors.pifu import PifuConnector, PifuSettings
from edusync.model.records import Change, Op

GROUPS, PERSONS, BATCH = 400, 4_000, 20_000


def changes(memberships: int) -> Iterator[Change]:
    n = 0

    def nxt(object_type: str, key: str, **attrs: object) -> Change:
        nonlocal n
        n += 1
        return Change(n, object_type, key, Op.ADD, attrs)

    yield nxt("organisation", "org-1", name="Skolen", groupType="skole")
    for p in range(PERSONS):
        yield nxt("person", f"per-{p:07d}", givenName="Åse", familyName=f"Ødegård {p}", feide=f"p{p}@fylke.no")
    for g in range(GROUPS):
        yield nxt("group", f"grp-{g:05d}", name=f"Gruppe {g}", groupType="undervisningsgruppe", parent="org-1")
    for m in range(memberships):
        role = "teacher" if m % 15 == 0 else "student"
        yield nxt(
            "membership", f"mem-{m:08d}", person=f"per-{m % PERSONS:07d}", group=f"grp-{m % GROUPS:05d}", role=role
        )


def write(folder: Path, memberships: int) -> tuple[int, int]:
    """Export and publish; return the tracemalloc peak of finish_export and the file's size."""
    conn = PifuConnector("lms", PifuSettings(output=folder), folder)
    conn.begin_export(1, 1)
    batch: list[Change] = []
    for c in changes(memberships):
        batch.append(c)
        if len(batch) == BATCH:
            conn.export(batch)
            batch = []
    conn.export(batch)
    del batch
    tracemalloc.start()
    conn.finish_export()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    conn.close()
    (path,) = folder.glob("*.xml")
    return peak, path.stat().st_size


if __name__ == "__main__":
    peak, size = write(Path(sys.argv[1]), int(sys.argv[2]))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(peak, size, rss)
