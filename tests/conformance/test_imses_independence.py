"""The IMS ES sandbox and its checker stand apart from the connector they test, on schemas the project holds."""

from __future__ import annotations

import importlib.resources
import subprocess
import sys

from lxml import etree


def test_the_sandbox_and_its_checker_never_load_the_connector() -> None:
    """A fake server that spoke through the client's own code could not catch the client's bugs."""
    probe = (
        "import sys, edusync.sandbox.imses, edusync.sandbox.imses.spec, edusync.sandbox.imses.cli;"
        "print(sorted(m for m in sys.modules if m.startswith('edusync.connectors')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_schema_is_the_projects_own_and_names_its_source() -> None:
    folder = importlib.resources.files("edusync.sandbox.imses.spec") / "xsd"
    names = sorted(f.name for f in folder.iterdir() if f.name.endswith(".xsd"))
    assert names == [
        "all.xsd",
        *("common.xsd", "gms-data.xsd", "gms-mess.xsd", "messbind.xsd"),
        *("mms-data.xsd", "mms-mess.xsd", "pms-data.xsd", "pms-mess.xsd"),
    ]
    for name in names:
        root = etree.fromstring((folder / name).read_bytes())
        comment = next((n.text or "" for n in root.itersiblings(preceding=True) if isinstance(n, etree._Comment)), "")
        if name != "all.xsd":
            assert "edusync's own schema" in comment, name
            assert "itslearning" in comment or "IMS Group Management" in comment, f"{name} names no source"
        # Only the project's own files: nothing is fetched, and nothing points outside the package.
        for imported in root.iter("{http://www.w3.org/2001/XMLSchema}import"):
            assert (imported.get("schemaLocation") or "") in names, name
