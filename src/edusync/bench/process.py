"""A child process timed on its own: wall time, peak memory, exit code, output.

Linux carries a process's peak RSS across ``fork`` and ``exec``: a child started
straight from the bench (which holds a generated county, hundreds of MB at county-l)
reports at least the bench's own size. So each child is started by a launcher of a
few MB, a fresh interpreter that forks and execs it and reports the peak the kernel
counted for that child alone.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

# argv: the file for the child's peak RSS (in KiB), then the child's command.
_LAUNCHER = """import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)
"""


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, int, bytes, str]:
    """Run a child; return (seconds, its own peak RSS in MB, exit code, its stdout, its stderr tail)."""
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        rss_file = Path(tmp) / "rss"
        started = time.perf_counter()
        # Files, not pipes: a child that writes much to both cannot block on a full pipe.
        code = subprocess.call([sys.executable, "-c", _LAUNCHER, str(rss_file), *args], env=env, stdout=out, stderr=err)
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        tail = err.read()[-2000:].decode(errors="replace")
        rss = int(rss_file.read_text()) / 1024.0 if rss_file.exists() else 0.0
        return elapsed, rss, code, out.read(), tail
