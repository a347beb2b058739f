"""A connector page's configuration example (docs/<page>.md, under "## Configuration"), as a file that loads.

The example shows only the connector; a files source ``sis``, a storage, the sync of ``types`` and
a profile that exports to the connector make it a whole ``edusync.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

DOCS = Path(__file__).parents[2] / "docs"


def documented_config(tmp_path: Path, page: str, target: str, types: Sequence[str], **settings: Any) -> Path:
    """docs/``page``.md's example with ``settings`` put into ``target``'s, written to ``tmp_path``/edusync.yaml."""
    block = re.search(r"## Configuration.*?```yaml\n(.*?)```", (DOCS / f"{page}.md").read_text(encoding="utf-8"), re.S)
    assert block is not None, f"docs/{page}.md has a YAML example under Configuration"
    config = yaml.safe_load(block.group(1))
    config["connectors"][target]["settings"].update(settings)
    config["connectors"]["sis"] = {"type": "files", "settings": {"input": "data"}}
    sync = [{"connector": "sis", "object_type": t, "metaverse_type": t} for t in types]
    config.update(storage={"url": "sqlite:///edusync.db"}, sync=sync, profiles={"nightly": [f"{target}:export"]})
    path = tmp_path / "edusync.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path
