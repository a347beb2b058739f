"""Benchmark: write a county-sized PIFU-IMS full file, then a one-day delta, with the pifu-xml target.

    python benchmarks/pifu_write.py                  # county-l: 100k persons, 20k groups, 1.5M memberships
    python benchmarks/pifu_write.py --scale 0.1      # a tenth of it, to check that it works (a few seconds)
    python benchmarks/pifu_write.py --repeat 3       # three runs, each in its own process: best, median, worst
    python benchmarks/pifu_write.py --out DIR        # keep the files (and the state file) in DIR

Changes are built as the engine's exporter builds them (attributes as JSON, in
batches of the connector's default size: ``changes.py``) and go through ``export`` and
``finish_export``, with the cycle collector paused as the runner pauses it for a
step. Only the connector's calls are timed (``export_s``: all batches,
``finish_s``: publishing the file); ``wall_s`` also counts making the changes.
It prints JSON: the times of each phase, the process's peak RSS and the file
sizes. docs/benchmark.md has the figures; run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from changes import Ids, batches, county, one_day

from edusync.connectors.pifu import PifuConnector, PifuSettings
from edusync.memory import collector_paused
from edusync.model.records import Change


def run(conn: PifuConnector, n: int, changes: Iterator[Change]) -> dict[str, float]:
    """One change set as the exporter drives it; only the connector's own calls are timed."""
    began = time.perf_counter()
    exporting = 0.0
    count = 0
    with collector_paused():
        conn.begin_export(n, n)
        for batch in batches(changes, conn.default_batch_size):
            start = time.perf_counter()
            results = conn.export(batch)
            exporting += time.perf_counter() - start
            count += len(batch)
            if not all(r.ok for r in results):
                raise SystemExit(f"a change failed: {next(r for r in results if not r.ok)}")
        start = time.perf_counter()
        conn.finish_export()
        finishing = time.perf_counter() - start
    return {
        "changes": count,
        "export_s": round(exporting, 2),
        "finish_s": round(finishing, 2),
        "total_s": round(exporting + finishing, 2),
        "wall_s": round(time.perf_counter() - began, 2),
    }


def once(sizes: list[int], out: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pifu-bench-") as tmp:
        folder = out or Path(tmp)
        conn = PifuConnector("bench", PifuSettings(output=folder, datasource="bench@fylke.no"), folder)
        ids = Ids()
        report: dict[str, Any] = {"persons": sizes[0], "groups": sizes[1], "memberships": sizes[2]}
        report["full"] = run(conn, 1, county(ids, *sizes, persons_at_schools=False))
        report["delta"] = run(conn, 2, one_day(ids, *sizes, first_leaver=0, arrival=lambda p: {}))
        conn.close()
        report["files_bytes"] = {p.name: p.stat().st_size for p in sorted(folder.glob("bench-*.xml"))}
        report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return report


def repeated(argv: list[str], times: int) -> dict[str, Any]:
    """Each run in a fresh process (so each peak RSS is its own); best, median and worst of each figure."""
    runs = []
    for _ in range(times):
        done = subprocess.run([sys.executable, __file__, *argv], capture_output=True, text=True, check=True)  # noqa: S603
        runs.append(json.loads(done.stdout))

    def spread(values: list[float]) -> dict[str, float]:
        return {"best": min(values), "median": round(statistics.median(values), 2), "worst": max(values)}

    summary: dict[str, Any] = {k: runs[0][k] for k in ("persons", "groups", "memberships", "files_bytes")}
    for phase in ("full", "delta"):
        summary[phase] = {k: spread([r[phase][k] for r in runs]) for k in ("export_s", "finish_s", "total_s", "wall_s")}
    summary["peak_rss_mib"] = spread([r["peak_rss_mib"] for r in runs])
    summary["runs"] = [{p: r[p]["total_s"] for p in ("full", "delta")} for r in runs]
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=20_000)
    parser.add_argument("--memberships", type=int, default=1_500_000)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply all three sizes")
    parser.add_argument("--out", type=Path, default=None, help="folder for the files (default: a temp folder)")
    parser.add_argument("--repeat", type=int, default=1, help="run this many times, each in its own process")
    args = parser.parse_args()
    if args.repeat > 1:
        if args.out is not None:
            parser.error("--out keeps one run's files: use it without --repeat")
        argv = [f"--{k}={getattr(args, k)}" for k in ("persons", "groups", "memberships", "scale")]
        print(json.dumps(repeated(argv, args.repeat), indent=2))
        return
    if args.out is not None and any(args.out.glob(".bench.pifu-state.sqlite*")):
        parser.error(f"{args.out} holds the state of an earlier run (the first file would be a delta): empty it")
    sizes = [max(1, int(v * args.scale)) for v in (args.persons, args.groups, args.memberships)]
    print(json.dumps(once(sizes, args.out), indent=2))


if __name__ == "__main__":
    main()
