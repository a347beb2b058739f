"""Benchmark: write a county-sized PIFU-IMS full file, then a one-day delta, with the pifu-xml target.

    python benchmarks/pifu_write.py [--persons 100000 --groups 20000 --memberships 1500000] [--out DIR]

Changes are generated as the engine would send them (batches of the connector's
default size) and go through ``export`` and ``finish_export``; the script prints
the time of each phase, the process's peak RSS and the file sizes. The default is
county-l (100k persons, 20k groups, 1.5M memberships): run it on an otherwise idle
machine. ``--scale 0.01`` runs a small version to check that it works.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from edusync.connectors.pifu import PifuConnector, PifuSettings
from edusync.model.records import Change, Op


class Ids:
    def __init__(self) -> None:
        self.n = 0

    def change(self, object_type: str, key: str, op: Op = Op.ADD, **attrs: object) -> Change:
        self.n += 1
        return Change(self.n, object_type, key, op, attrs)


def county(ids: Ids, persons: int, groups: int, memberships: int) -> Iterator[Change]:
    schools = max(1, groups // 80)
    yield ids.change("organisation", "org-owner", name="Fylkeskommunen", groupType="skoleeier")
    for s in range(schools):
        yield ids.change("organisation", f"org-{s:04d}", name=f"Skole {s}", groupType="skole", parent="org-owner")
    for p in range(persons):
        yield ids.change(
            "person",
            f"per-{p:07d}",
            givenName="Åse",
            familyName=f"Ødegård {p}",
            feide=f"p{p}@fylke.no",
            email=f"p{p}@skole.no",
            role="teacher" if p % 12 == 0 else "student",
        )
    for g in range(groups):
        kind = "basisgruppe" if g % 4 == 0 else "undervisningsgruppe"
        yield ids.change("group", f"grp-{g:06d}", name=f"Gruppe {g}", groupType=kind, school=f"org-{g % schools:04d}")
    for m in range(memberships):
        role = "teacher" if m % 15 == 0 else "student"
        person, group = f"per-{(m * 7919) % persons:07d}", f"grp-{m % groups:06d}"
        yield ids.change("membership", f"mem-{m:08d}", person=person, group=group, role=role)


def one_day(ids: Ids, persons: int, groups: int, memberships: int) -> Iterator[Change]:
    """About 1 % churn: renamed groups, new and leaving pupils, moved memberships."""
    for g in range(0, groups, 100):
        yield ids.change(
            "group",
            f"grp-{g:06d}",
            Op.UPDATE,
            name=f"Gruppe {g} (ny)",
            groupType="undervisningsgruppe",
            school="org-0000",
        )
    for p in range(0, persons, 100):
        yield ids.change("person", f"per-{p:07d}", Op.DELETE)
        yield ids.change("person", f"new-{p:07d}", givenName="Ny", familyName=f"Elev {p}", role="student")
    for m in range(0, memberships, 100):
        yield ids.change(
            "membership",
            f"mem-{m:08d}",
            Op.UPDATE,
            person=f"per-{(m * 7919) % persons:07d}",
            group=f"grp-{(m + 1) % groups:06d}",
            role="student",
        )


def run(conn: PifuConnector, n: int, changes: Iterator[Change]) -> dict[str, float]:
    conn.begin_export(n, n)
    start = time.perf_counter()
    batch: list[Change] = []
    count = 0
    for c in changes:
        batch.append(c)
        if len(batch) == conn.default_batch_size:
            conn.export(batch)
            count += len(batch)
            batch = []
    conn.export(batch)
    count += len(batch)
    recorded = time.perf_counter()
    conn.finish_export()
    done = time.perf_counter()
    return {
        "changes": count,
        "export_s": round(recorded - start, 2),
        "finish_s": round(done - recorded, 2),
        "total_s": round(done - start, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=20_000)
    parser.add_argument("--memberships", type=int, default=1_500_000)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply all three sizes")
    parser.add_argument("--out", type=Path, default=None, help="folder for the files (default: a temp folder)")
    args = parser.parse_args()
    sizes = [max(1, int(v * args.scale)) for v in (args.persons, args.groups, args.memberships)]
    with tempfile.TemporaryDirectory(prefix="pifu-bench-") as tmp:
        folder = args.out or Path(tmp)
        conn = PifuConnector("bench", PifuSettings(output=folder, datasource="bench@fylke.no"), folder)
        ids = Ids()
        report: dict[str, object] = {"persons": sizes[0], "groups": sizes[1], "memberships": sizes[2]}
        report["full"] = run(conn, 1, county(ids, *sizes))
        report["delta"] = run(conn, 2, one_day(ids, *sizes))
        conn.close()
        files = {p.name: p.stat().st_size for p in sorted(folder.glob("bench-*.xml"))}
        report["files_bytes"] = files
        report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
