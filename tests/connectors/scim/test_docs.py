"""docs/scim.md's configuration loads as written, the token only from the environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from edusync.config.loader import load_config
from edusync.connectors.scim import ScimSettings
from edusync.errors import ConfigError

DOC = Path(__file__).parents[3] / "docs" / "scim.md"
SYNC = [
    {"connector": "sis", "object_type": "person", "metaverse_type": "person"},
    {"connector": "sis", "object_type": "group", "metaverse_type": "group"},
    {"connector": "sis", "object_type": "membership", "metaverse_type": "membership"},
]


def _documented(tmp_path: Path, **token: str) -> Path:
    block = re.search(r"## Configuration.*?```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None, "docs/scim.md has a YAML example under Configuration"
    config = yaml.safe_load(block.group(1))
    config["connectors"]["saas"]["settings"].update(token)
    config["connectors"]["sis"] = {"type": "files", "settings": {"input": "data"}}
    config.update(storage={"url": "sqlite:///edusync.db"}, sync=SYNC, profiles={"nightly": ["saas:export"]})
    path = tmp_path / "edusync.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def test_the_documented_configuration_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAAS_SCIM_TOKEN", "t0ken")
    settings = load_config(_documented(tmp_path)).settings["saas"]
    assert isinstance(settings, ScimSettings)
    assert settings.token is not None and settings.token.get_secret_value() == "t0ken"
    assert settings.soft_delete == "deactivate" and settings.url == "https://app.example/scim/v2"


def test_a_literal_token_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"a secret must be an \$\{ENV_VAR\} reference"):
        load_config(_documented(tmp_path, token="i-klartekst"))
