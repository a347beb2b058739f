"""The files connector: the contract, and what it does with real files."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from edusync.connectors.files import FilesConnector, FilesSettings
from edusync.demo import data
from edusync.errors import SourceError
from edusync.testing.connector_contract import ConnectorContract


@pytest.fixture
def files(tmp_path: Path) -> FilesConnector:
    data.write(data.generate("demo", 2), tmp_path / "in")
    settings = FilesSettings(input=Path("in"), output=Path("out"))
    return FilesConnector("files", settings, tmp_path)


class TestFilesContract(ConnectorContract):
    @pytest.fixture
    def connector(self, files: FilesConnector) -> FilesConnector:
        return files


def test_reads_the_four_types_with_attributes(files: FilesConnector) -> None:
    persons = list(files.import_objects("person"))
    assert len(persons) == 300
    assert set(persons[0].attrs) >= {"id", "fnr", "firstname", "lastname", "role", "school"}


def test_a_changed_row_changes_its_fingerprint_only(files: FilesConnector, tmp_path: Path) -> None:
    before = {r.anchor: r.fingerprint for r in files.import_objects("group")}
    path = tmp_path / "in" / "groups.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[1], "Nytt navn", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    after = {r.anchor: r.fingerprint for r in files.import_objects("group")}
    changed = [a for a in before if before[a] != after[a]]
    assert changed == [lines[1].split(",")[0]]


def test_json_source(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "persons.json").write_bytes(orjson.dumps([{"id": "P1", "navn": "Åse"}, {"id": "P2"}]))
    conn = FilesConnector("f", FilesSettings(input=Path("in"), types={"person": {"file": "persons"}}), tmp_path)
    assert [(r.anchor, r.attrs) for r in conn.import_objects("person")] == [
        ("P1", {"id": "P1", "navn": "Åse"}),
        ("P2", {"id": "P2"}),
    ]
    (tmp_path / "in" / "persons.json").write_text('{"id": "P1"}', encoding="utf-8")
    with pytest.raises(SourceError, match="expected a JSON array"):
        list(conn.import_objects("person"))


def test_change_files_are_published_atomically_and_pruned(files: FilesConnector, tmp_path: Path) -> None:
    contract = ConnectorContract()
    for run in range(1, 33):
        files.begin_export(run, run)
        files.export(contract.sample_changes(files)[:1])
        if run == 32:
            assert list((tmp_path / "out").glob("*.partial")), "unpublished while being written"
        files.finish_export()
    published = sorted((tmp_path / "out").glob("*.jsonl"))
    assert len(published) == 30, "keep_files defaults to 30"
    assert not list((tmp_path / "out").glob("*.partial"))
    assert published[-1].name == "files-run000032-cs32.jsonl"
