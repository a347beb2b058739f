"""No raw fødselsnummer in anything a person reads (issue 13, item 12 and its test).

Each demo scenario runs as ``edusync demo`` does, in its own process with its own key file (the
session's keys are taken out of its environment), and then the commands a person runs in the
folder afterwards. Everything is captured: stdout and stderr (log lines go there), the run reports
as JSON, the audit log, ``show`` of a person asked for by national id, an error that quotes one,
and every file in the folder, the database and the PIFU state file included.

The national ids looked for are every one edusync was given: read back from the connector space
with the demo's own key, so the test cannot pass by finding none. Two kinds of file are not what
a person reads and are left out: the source's own export (``data/``, which is where the ids come
from) and a target's file that must carry the id because that target is sent it (a PIFU file's
``personNIN`` for an itslearning site that keys on it). The demos' targets get no national id; a
target that should never get one says ``national_ids: false`` (docs/data-protection.md).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from edusync import vault
from edusync.model.hashing import loads
from edusync.storage import open_database

ELEVEN = re.compile(r"(?<!\d)\d{11}(?!\d)")


def edusync(folder: Path, *args: str) -> str:
    """stdout and stderr of one command, run as a person runs it in the demo's folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("EDUSYNC_KEYS", "EDUSYNC_DATABASE_URL", "COLUMNS")}
    env |= {"USER": "tester", "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "edusync", *args], cwd=folder, env=env, capture_output=True, text=True, timeout=900
    )
    typed = " ".join(ELEVEN.sub("<id>", a) for a in args)  # what the person typed is not output
    return f"$ edusync {typed} (exit {done.returncode})\n{done.stdout}\n{done.stderr}"


def given_ids(folder: Path) -> set[str]:
    """Every valid national id the sources gave edusync, opened with the demo's own key file."""
    keys = vault.Vault(*vault.parse_keys((folder / "edusync.keys").read_text(encoding="utf-8"), "the demo's keys"))
    db = open_database("sqlite:///edusync.db", folder, migrate=False)
    found: set[str] = set()
    with db.engine.connect() as conn:
        for (attrs,) in conn.execute(text("SELECT attrs FROM cs_objects")):
            for value in keys.unseal(loads(attrs)).values():
                found.update(v for v in (value if isinstance(value, list) else [value]) if _is_id(v))
    db.dispose()
    return found


def _is_id(value: object) -> bool:
    from edusync.model import fnr

    return isinstance(value, str) and bool(ELEVEN.fullmatch(value)) and fnr.is_valid(value)


def read_by_a_person(folder: Path) -> dict[str, bytes]:
    """Every file of the folder but the source's export and the keys."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).parts[0] != "data" and p.name != "edusync.keys"
    }


def outputs(folder: Path, demo_output: str, ids: set[str]) -> str:
    """What the demo printed, then the commands a person runs afterwards."""
    some = sorted(ids)[0]
    captured = [demo_output, edusync(folder, "runs"), edusync(folder, "runs", "--json")]
    for run_id in (1, 2, 3):
        captured += [
            edusync(folder, "runs", "show", str(run_id)),
            edusync(folder, "runs", "show", str(run_id), "--json"),
        ]
    captured += [
        edusync(folder, "show", "person", some),  # by national id: found through the keyed join key
        edusync(folder, "show", "person", some, "--json"),
        edusync(folder, "show", "group", some),  # not a group: the error quotes what was asked for
        edusync(folder, "trash", "--json"),
        edusync(folder, "reject", "3", "--reason", f"checked {some}"),
        edusync(folder, "audit"),
        edusync(folder, "audit", "--json"),
        edusync(folder, "keys", "status", "--json"),
    ]
    return "\n".join(captured)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["files", "fint"])
def test_no_national_id_in_any_output_or_stored_file(tmp_path: Path, scenario: str) -> None:
    folder = tmp_path / "demo"
    demo_output = edusync(tmp_path, "demo", "--scenario", scenario, "--dir", str(folder), "--no-serve")
    assert "(exit 0)" in demo_output.splitlines()[0], demo_output[-3000:]
    ids = given_ids(folder)
    assert len(ids) > 100, "the test looks for the national ids the demo's sources gave"
    printed = outputs(folder, demo_output, ids)
    assert "*****" in printed, "national ids were shown, masked"
    assert "per-" in printed.split("$ edusync show person")[1], "a person was found by national id"
    leaked = sorted(i for i in ids if i in printed)
    if leaked:
        at = printed.index(leaked[0])
        where = printed[max(0, at - 300) : at + 100].replace(leaked[0], "<HERE>")
        command = printed[:at].rsplit("$ edusync", 1)[-1].split("\n", 1)[0]
        pytest.fail(f"{len(leaked)} national ids printed, the first by `edusync{command}`:\n{where}")
    files = read_by_a_person(folder)
    assert "edusync.db" in files and any(name.endswith(".jsonl") or name.endswith(".xml") for name in files)
    for name, content in files.items():
        clear = [i for i in ids if i.encode() in content]
        assert not clear, f"{name} holds {len(clear)} national ids in clear"
