"""Loading the configuration: every problem at once, with file, line and field; secrets from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from edusync.config.loader import load_config
from edusync.demo.demo import template
from edusync.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "edusync.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_template_is_valid(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, template()))
    assert loaded.config.profile(None) == ("nightly", ["sis:import", "sync", "lifecycle", "lms:export"])
    assert loaded.base_dir == tmp_path.resolve()


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = yaml.safe_load(template())
    data["connectors"]["sis"]["settings"]["delimiter"] = ";;"
    data["connectors"]["lms"]["type"] = "nosuch"
    data["sync"][1]["flows"][1]["rule"] = "no_such_rule"
    data["lifecycle"]["person"]["grace_days"] = "soon"
    data["profiles"]["nightly"].append("sis:teleport")
    path = write(tmp_path, yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    problems = info.value.problems
    text = "\n".join(problems)
    assert "connectors.sis.settings.delimiter" in text
    assert "unknown connector type 'nosuch'" in text
    assert "lifecycle.person.grace_days" in text
    assert all(p.startswith(str(path)) for p in problems)
    assert any(f"{path}:" in p and p.split(":")[1].isdigit() for p in problems), "a line number is given"


def test_cross_references_are_checked(tmp_path: Path) -> None:
    data = yaml.safe_load(template())
    data["sync"][1]["flows"][1]["rule"] = "no_such_rule"
    data["sync"][0]["connector"] = "ghost"
    data["profiles"]["nightly"].append("sis:teleport")
    data["profiles"]["nightly"].append("sis:export")
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, yaml.safe_dump(data, sort_keys=False)))
    text = "\n".join(info.value.problems)
    assert "unknown rule 'no_such_rule'" in text
    assert "no connector named 'ghost'" in text
    assert "unknown step 'sis:teleport'" in text
    assert "'sis' has no entry under 'targets'" in text


def test_a_flow_needs_a_source_unless_constant(tmp_path: Path) -> None:
    data = yaml.safe_load(template())
    data["sync"][0]["flows"].append({"to": "x"})
    data["sync"][0]["flows"].append({"to": "y", "constant": 1, "from": "z"})
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, yaml.safe_dump(data, sort_keys=False)))
    text = "\n".join(info.value.problems)
    assert "'from' is required" in text and "a constant flow takes no" in text


def test_env_references_are_substituted_and_missing_ones_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIS_FOLDER", "sisdata")
    text = template().replace("settings: {input: data}", "settings: {input: '${SIS_FOLDER}'}")
    loaded = load_config(write(tmp_path, text))
    assert str(loaded.settings["sis"].input) == "sisdata"  # type: ignore[attr-defined]
    text = text.replace("{output: out}", "{output: '${NOT_SET_ANYWHERE}'}")
    with pytest.raises(ConfigError, match="NOT_SET_ANYWHERE is not set"):
        load_config(write(tmp_path, text))


def test_malformed_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "connectors: [\n  - a: b\n c"))


def test_yaml_booleans_do_not_become_keys(tmp_path: Path) -> None:
    """``on``/``yes`` are booleans in YAML 1.1, which is why join rules say ``match``."""
    data = yaml.safe_load(template())
    assert data["sync"][1]["join"][0] == {"match": {"fnr": "nin"}}
    assert load_config(write(tmp_path, template())).config.sync[1].join[0].match == {"fnr": "nin"}


def test_a_literal_secret_is_refused_and_a_reference_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import BaseModel, SecretStr

    from edusync.connectors import registry
    from edusync.connectors.files import FilesConnector

    class Settings(BaseModel):
        password: SecretStr

    class WithSecret(FilesConnector):
        settings_model = Settings

    types = {**registry.connector_types(), "secretive": WithSecret}
    monkeypatch.setattr(registry, "connector_types", lambda: types)
    data = yaml.safe_load(template())
    data["connectors"]["vault"] = {"type": "secretive", "settings": {"password": "hunter2"}}
    with pytest.raises(ConfigError, match=r"connectors.vault.settings.password: a secret must be an \$\{ENV_VAR\}"):
        load_config(write(tmp_path, yaml.safe_dump(data, sort_keys=False)))
    monkeypatch.setenv("VAULT_PASSWORD", "hunter2")
    data["connectors"]["vault"]["settings"]["password"] = "${VAULT_PASSWORD}"
    loaded = load_config(write(tmp_path, yaml.safe_dump(data, sort_keys=False)))
    secret = loaded.settings["vault"].password  # type: ignore[attr-defined]
    assert secret.get_secret_value() == "hunter2" and "hunter2" not in repr(loaded.settings["vault"])


def test_an_unset_variable_only_matters_to_commands_that_open_connectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EDUSYNC_TEST_UNSET", raising=False)
    data = yaml.safe_load(template())
    data["connectors"]["sis"]["settings"]["input"] = "${EDUSYNC_TEST_UNSET}"
    path = write(tmp_path, yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ConfigError, match="environment variable EDUSYNC_TEST_UNSET is not set"):
        load_config(path)
    assert load_config(path, require_env=False).config.connectors["sis"].type == "files"


@pytest.mark.parametrize(
    "url",
    ["postgresql://postgres:S3cret@db.example/edusync", "postgresql+psycopg://edusync:p%40ss@10.0.0.5:5432/x"],
)
def test_a_password_written_into_a_url_is_refused(tmp_path: Path, url: str) -> None:
    data = yaml.safe_load(template())
    data["storage"] = {"url": url}
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, yaml.safe_dump(data)))
    problem = next(p for p in caught.value.problems if "storage.url" in p)
    assert "password in a URL must be an ${ENV_VAR} reference" in problem
    assert "S3cret" not in str(caught.value) and "p%40ss" not in str(caught.value)


def test_a_url_password_from_the_environment_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PASSWORD", "S3cret")
    data = yaml.safe_load(template())
    data["storage"] = {"url": "postgresql://edusync:${DB_PASSWORD}@db.example/edusync"}
    loaded = load_config(write(tmp_path, yaml.safe_dump(data)))
    assert loaded.config.storage.url.endswith("edusync:S3cret@db.example/edusync")
    data["storage"] = {"url": "postgresql://edusync@db.example/edusync"}  # no password at all: trust or a .pgpass
    assert load_config(write(tmp_path, yaml.safe_dump(data))).config.storage.url
