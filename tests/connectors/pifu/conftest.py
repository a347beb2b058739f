"""Fixtures for the pifu-xml tests: the PIFU-IMS XSD, a target, and a check that every file written is valid."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from edusync.connectors.pifu import PifuConnector, PifuSettings

FIXTURES = Path(__file__).parents[2] / "fixtures" / "pifu"
XSD = FIXTURES / "pifu" / "PIFU-IMS_SAS.xsd"
PIFU_EXAMPLE = FIXTURES / "pifu" / "PIFU-IMS_SAS_eksempel.xml"
MOODLE = FIXTURES / "moodle"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
_SCHEMA = etree.XMLSchema(etree.parse(str(XSD), PARSER))


def assert_valid(path: Path) -> etree._ElementTree:
    """Parse ``path`` and validate it against the PIFU-IMS 1.3 XSD; return the tree."""
    tree = etree.parse(str(path), PARSER)
    if not _SCHEMA.validate(tree):
        pytest.fail(f"{path.name} does not validate against PIFU-IMS_SAS.xsd: {_SCHEMA.error_log}")
    return tree


def written(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.xml"))


@pytest.fixture(autouse=True)
def every_written_file_is_valid(tmp_path: Path) -> Iterator[None]:
    """After each test, every PIFU file it left anywhere under tmp_path must validate."""
    yield
    for path in sorted(tmp_path.rglob("*.xml")):
        if "in" in path.relative_to(tmp_path).parts:
            continue  # inputs that tests wrote on purpose, some of them broken
        assert_valid(path)


def make(tmp_path: Path, **settings: object) -> PifuConnector:
    values: dict[str, object] = {"output": Path("out"), "datasource": "edusync@fylke.no", **settings}
    return PifuConnector("lms", PifuSettings.model_validate(values), tmp_path)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[PifuConnector]:
    conn = make(tmp_path)
    yield conn
    conn.close()
