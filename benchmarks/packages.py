"""Benchmark: a county as a OneRoster 1.2 package and as an SDS v2.1 package, and the OneRoster source reading it.

    python benchmarks/packages.py                    # county-l: 100k persons, 20k groups, 1.5M memberships
    python benchmarks/packages.py --scale 0.1        # a tenth of it (memory should be about the same)
    python benchmarks/packages.py --scales 0.1,1     # both, to see that peak memory stays flat in the package size

Each phase runs in a process of its own, so each peak RSS is its own:

- ``oneroster_bulk``: every change of the county through ``export`` (batches of the connector's
  default size) and ``finish_export``: the first, bulk package;
- ``oneroster_delta``: then a 1 % day (renamed groups, pupils leaving and arriving, moved
  memberships): a delta package;
- ``sds_bulk``: the county to the ``sds-csv`` target: a whole SDS set;
- ``oneroster_read``: the ``oneroster-csv`` source reads the bulk package, every object type.

It prints JSON: seconds and peak RSS (MiB) of each phase, and the package sizes. The figures
are in docs/benchmark.md; run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from changes import Ids, batches, county, one_day

from edusync.connectors.oneroster import OneRosterConnector, OneRosterSettings
from edusync.connectors.oneroster.target import PackageTarget
from edusync.connectors.sds import SdsConnector, SdsSettings
from edusync.memory import collector_paused
from edusync.model.records import Change

SIZES = {"persons": 100_000, "groups": 20_000, "memberships": 1_500_000}


def _arrival(p: int) -> dict[str, object]:
    """A new pupil's username (users.csv wants one) and school."""
    return {"username": f"new{p}", "school": "org-0000"}


def send(conn: PackageTarget, n: int, changes: Iterator[Change]) -> None:
    conn.today = dt.date(2026, 10, 5)
    with collector_paused():
        conn.begin_export(n, n)
        for batch in batches(changes, conn.default_batch_size):
            conn.export(batch)
        conn.finish_export()


def phase(name: str, folder: Path, sizes: list[int]) -> dict[str, Any]:
    started = time.perf_counter()
    out: dict[str, Any] = {}
    if name == "oneroster_bulk":
        conn = OneRosterConnector("bench", OneRosterSettings(output=folder / "or"), folder)
        send(conn, 1, county(Ids(), *sizes, persons_at_schools=True))
        conn.close()
    elif name == "oneroster_delta":
        conn = OneRosterConnector("bench", OneRosterSettings(output=folder / "or"), folder)
        ids = Ids()
        ids.n = 10_000_000
        send(conn, 2, one_day(ids, *sizes, first_leaver=1, arrival=_arrival))
        conn.close()
    elif name == "sds_bulk":
        sds = SdsConnector("bench", SdsSettings(output=folder / "sds"), folder)
        send(sds, 1, county(Ids(), *sizes, persons_at_schools=True))
        sds.close()
    elif name == "oneroster_read":
        (bulk,) = (folder / "or").glob("*-bulk.zip")
        conn = OneRosterConnector("read", OneRosterSettings(input=bulk), folder)
        with collector_paused():
            types = ("organisation", "academicSession", "course", "group", "person", "membership")
            out["records"] = {t: sum(1 for r in conn.import_objects(t) if r.attrs) for t in types}
        out["warnings"] = len(conn.warnings)
    out["seconds"] = round(time.perf_counter() - started, 2)
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


PHASES = ("oneroster_bulk", "oneroster_delta", "sds_bulk", "oneroster_read")


def at_scale(scale: float) -> dict[str, Any]:
    sizes = [max(1, int(v * scale)) for v in SIZES.values()]
    report: dict[str, Any] = {"scale": scale, **dict(zip(SIZES, sizes, strict=True))}
    with tempfile.TemporaryDirectory(prefix="packages-bench-") as tmp:
        for name in PHASES:
            args = [sys.executable, __file__, "--phase", name, "--folder", tmp, "--scale", str(scale)]
            done = subprocess.run(args, capture_output=True, text=True, check=True)  # noqa: S603
            report[name] = json.loads(done.stdout)
        report["package_bytes"] = {
            f"{p.parent.name}/{p.name}": p.stat().st_size for p in sorted(Path(tmp).glob("*/*.zip"))
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--scales", default=None, help="comma-separated scales, each a whole run")
    parser.add_argument("--phase", choices=PHASES, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        sizes = [max(1, int(v * args.scale)) for v in SIZES.values()]
        print(json.dumps(phase(args.phase, args.folder, sizes)))
        return
    scales = [float(s) for s in args.scales.split(",")] if args.scales else [args.scale]
    print(json.dumps([at_scale(s) for s in scales], indent=2))


if __name__ == "__main__":
    main()
