"""``edusync init --profile vigobas DIR``: a VIGO-BAS config whose header lists every variable it reads."""

from __future__ import annotations

import re
from pathlib import Path

from edusync.config.loader import load_config
from edusync.connectors.fint.settings import FintSettings
from edusync.demo.env import environment
from edusync.demo.vigobas_init import VARIABLES
from tests.cli.test_cli import edusync

LISTED = re.compile(r"^#   ([A-Z_]+) \((required|optional)[^)]*\): \S", re.M)


def test_init_vigobas_lists_and_explains_every_variable_the_config_reads(tmp_path: Path) -> None:
    result = edusync("init", "--profile", "vigobas", "county", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "county" / "edusync.yaml").read_text(encoding="utf-8")
    listed = dict(LISTED.findall(text))
    keys = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    referenced = set(re.findall(r"\$\{([A-Z_]+)\}", keys))
    assert referenced and referenced <= set(listed), "every ${VAR} the config reads is listed"
    assert {v for v, kind in listed.items() if kind == "required"} == referenced, "and only those are required"
    assert {"EDUSYNC_DATABASE_URL", "EDUSYNC_ACTOR"} <= set(listed), "and edusync's own"
    for secret in (v.name for v in VARIABLES if v.secret and v.name.startswith("FINT_")):
        assert f"${{{secret}}}" in keys, f"{secret} is read from the environment, never written in the file"
    assert not list((tmp_path / "county").glob("data")), "no sample CSV files for FINT"
    assert edusync("init", "--profile", "vigobas", "county", cwd=tmp_path).returncode == 1, "never overwrites"


def test_the_vigobas_config_loads_with_its_variables_set(tmp_path: Path) -> None:
    assert edusync("init", "--profile", "vigobas", "c", cwd=tmp_path).returncode == 0
    values = {v.name: f"https://fint.example/{v.name.lower()}" for v in VARIABLES if v.required}
    values["FINT_FEIDE_REALM"] = "fjordheimfk.no"
    with environment(values):
        loaded = load_config(tmp_path / "c" / "edusync.yaml")
    fint = loaded.settings["fint"]
    assert isinstance(fint, FintSettings)
    assert fint.base_url == values["FINT_BASE_URL"] and fint.password.get_secret_value() == values["FINT_PASSWORD"]
    assert set(loaded.config.profiles) == {"nightly", "delta"}


def test_an_unknown_profile_is_refused(tmp_path: Path) -> None:
    result = edusync("init", "--profile", "nosuch", "x", cwd=tmp_path)
    assert result.returncode == 2 and "unknown profile 'nosuch'" in result.stderr
