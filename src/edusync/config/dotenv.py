"""``.env`` beside the config: values for its ``${VAR}`` references that the environment does not set.

A folder such as ``edusync-demo`` keeps working in a new shell: its secrets sit in a file only its
owner can read, and a variable set in the environment (a systemd unit, a CI job) still wins. The
file is refused when anyone may read it, since it holds secrets.

The format is the common subset: ``NAME=value`` a line, ``# comments`` and blank lines skipped, an
optional ``export`` in front, the value optionally in single or double quotes (taken literally:
no ``$`` expansion, no escapes).
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

from edusync.errors import ConfigError

NAME = ".env"
_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def read(folder: Path) -> dict[str, str]:
    """The variables in ``folder/.env`` (none when there is no such file)."""
    path = folder / NAME
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return {}
    if mode & (stat.S_IROTH | stat.S_IWOTH):
        raise ConfigError([f"{path}: anyone on this machine may read it; it holds secrets: chmod 600 {path}"])
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        match = _LINE.match(text)
        if match is None:
            raise ConfigError([f"{path}:{number}: not NAME=value"])
        value = match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[match.group(1)] = value
    return values


def write(folder: Path, values: dict[str, str], header: str) -> Path:
    """Write ``folder/.env`` readable by its owner only (0600), created so from the start."""
    if any("'" in v or "\n" in v for v in values.values()):
        raise ValueError("a .env value may hold no quote (') and no newline")
    path = folder / NAME
    path.unlink(missing_ok=True)
    lines = [f"# {line}" for line in header.splitlines()] + [f"{k}='{v}'" for k, v in values.items()]
    path.touch(mode=0o600)
    path.chmod(0o600)  # touch's mode is masked by the umask, which may leave more
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
