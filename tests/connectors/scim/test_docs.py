"""docs/scim.md's configuration loads as written, the token only from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from edusync.config.loader import load_config
from edusync.connectors.scim import ScimSettings
from edusync.errors import ConfigError
from tests.connectors.documented import documented_config


def _documented(tmp_path: Path, **token: str) -> Path:
    return documented_config(tmp_path, "scim", "saas", ("person", "group", "membership"), **token)


def test_the_documented_configuration_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAAS_SCIM_TOKEN", "t0ken")
    settings = load_config(_documented(tmp_path)).settings["saas"]
    assert isinstance(settings, ScimSettings)
    assert settings.token is not None and settings.token.get_secret_value() == "t0ken"
    assert settings.soft_delete == "deactivate" and settings.url == "https://app.example/scim/v2"


def test_a_literal_token_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"a secret must be an \$\{ENV_VAR\} reference"):
        load_config(_documented(tmp_path, token="i-klartekst"))
