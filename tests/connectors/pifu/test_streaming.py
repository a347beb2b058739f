"""A large file is streamed: memory while writing does not grow with the number of memberships."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SMALL, LARGE = 10_000, 100_000


def probe(folder: Path, memberships: int) -> tuple[int, int, int]:
    """tracemalloc peak of writing the file, its size, and the process's peak RSS (KiB), from a fresh process."""
    folder.mkdir()
    out = subprocess.run(
        [sys.executable, "-m", "tests.connectors.pifu.streaming_probe", str(folder), str(memberships)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[3],
    ).stdout.split()
    peak, size, rss = (int(x) for x in out)
    return peak, size, rss


def test_memory_while_writing_stays_flat_as_the_file_grows_tenfold(tmp_path: Path) -> None:
    small_peak, small_size, small_rss = probe(tmp_path / "small", SMALL)
    large_peak, large_size, large_rss = probe(tmp_path / "large", LARGE)
    assert large_size > 6 * small_size, "the large file really is larger"
    assert large_peak < small_peak * 1.5 + 256 * 1024, (small_peak, large_peak)
    assert large_rss - small_rss < 24 * 1024, f"peak RSS grew from {small_rss} to {large_rss} KiB"
