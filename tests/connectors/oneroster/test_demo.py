"""``edusync demo --scenario files --packages``: the demo's config also writes OneRoster and SDS packages."""

from __future__ import annotations

from pathlib import Path

from edusync.config.loader import load_config
from edusync.demo.demo import add_packages, init_folder


def test_the_demo_config_with_packages_loads_and_exports_both(tmp_path: Path) -> None:
    config = init_folder(tmp_path / "demo", sample=False)
    add_packages(config)
    loaded = load_config(config)
    assert loaded.config.connectors["roster"].type == "oneroster-csv"
    assert loaded.config.connectors["teams"].type == "sds-csv"
    assert loaded.config.profiles["nightly"][-2:] == ["roster:export", "teams:export"]
