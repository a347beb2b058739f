"""The FINT sandbox and its checker stand apart from the connector they test, on a schema the project holds."""

from __future__ import annotations

import importlib.resources
import json
import subprocess
import sys

from edusync.sandbox.fint.spec import schema


def test_the_sandbox_and_its_checker_never_load_the_connector() -> None:
    """A fake FINT that spoke through the client's own code could not catch the client's bugs."""
    probe = (
        "import sys, edusync.sandbox.fint, edusync.sandbox.fint.spec, edusync.sandbox.fint.cli;"
        "print(sorted(m for m in sys.modules if m.startswith('edusync.connectors')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_checker_reads_no_part_of_the_sandbox() -> None:
    """It holds the sandbox to FINT: it must not learn FINT's shapes from the sandbox it checks."""
    folder = importlib.resources.files("edusync.sandbox.fint.spec")
    source = "".join((folder / name).read_text("utf-8") for name in ("__init__.py", "checker.py", "schema.py"))
    imports = [
        line.strip() for line in source.splitlines() if line.strip().startswith(("from edusync", "import edusync"))
    ]
    assert imports and all(
        line.startswith(("from edusync.sandbox.fint.spec", "from edusync.testing.exchanges")) for line in imports
    ), imports


def test_the_schema_is_the_projects_own_and_names_its_source_and_licence() -> None:
    data = json.loads((importlib.resources.files("edusync.sandbox.fint.spec") / "fint-model.json").read_text("utf-8"))
    about, licence = " ".join(data["_about"]), " ".join(data["_licence"])
    assert "edusync's own schema" in about and "FINTLabs/fint-information-model-java" in about
    assert "MIT License" in licence and "Copyright (c) 2020 FINTlibs" in licence
    classes = schema.classes()
    assert classes["/utdanning/elev/elev"]["identifiers"] == ["brukernavn", "elevnummer", "feidenavn", "systemId"]
    assert classes["/utdanning/elev/klasse"]["versions"] == ["v4"], "v4's klasse, with no periode"
    assert "periode" not in classes["/utdanning/elev/klasse"]["fields"]
    assert classes["/administrasjon/personal/person"]["class"] == "felles.Person"
