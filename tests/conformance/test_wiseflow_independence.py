"""The WISEflow checker stands apart from the connector and the sandbox it holds to the specification."""

from __future__ import annotations

import ast
import importlib.resources
import json
import subprocess
import sys
from pathlib import Path


def test_the_checker_imports_neither_the_connector_nor_the_sandbox() -> None:
    """A checker that read the sandbox's routes or the connector's bodies would agree with their bugs."""
    folder = Path(str(importlib.resources.files("edusync.sandbox.wiseflow.spec")))
    imported = set()
    for source in folder.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
    ours = {m for m in imported if m.startswith("edusync")}
    assert ours, "the probe reads the imports"
    assert {m for m in ours if not m.startswith("edusync.sandbox.wiseflow.spec")} == {"edusync.testing.exchanges"}


def test_the_sandbox_never_loads_the_connector() -> None:
    probe = (
        "import sys, edusync.sandbox.wiseflow, edusync.sandbox.wiseflow.cli;"
        "print(sorted(m for m in sys.modules if m.startswith('edusync.connectors')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_schema_is_the_projects_own_and_names_its_source() -> None:
    held = json.loads((importlib.resources.files("edusync.sandbox.wiseflow.spec") / "wiseflow-api.json").read_text())
    assert "edusync's own schema" in held["$comment"] and "WISEflow public API 1.34.0" in held["$comment"]
    assert "aa011c5" in held["$comment"], "the commit it was read from"
    # Facts only: none of the specification's prose came along ("description" is only ever a field's name).
    assert all(isinstance(v, dict) for v in _values(held, "description"))
    assert not _values(held, "example") and not _values(held, "summary")


def _values(node: object, key: str) -> list[object]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == key] + [x for v in node.values() for x in _values(v, key)]
    if isinstance(node, list):
        return [x for v in node for x in _values(v, key)]
    return []
