"""``edusync init`` writes a starting file that explains each key it holds and still loads."""

from __future__ import annotations

from pathlib import Path

import yaml

from edusync.config.loader import load_config
from edusync.config.models import Config, Flow, StorageConfig, TargetConfig
from edusync.connectors.files import FilesSettings
from edusync.demo.demo import template
from tests.cli.test_cli import edusync

Key = tuple[str | int, ...]


def key_lines(text: str) -> dict[Key, int]:
    """The line (0-based) of every mapping key, by its path."""
    lines: dict[Key, int] = {}

    def walk(node: yaml.Node, path: Key) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines[(*path, key.value)] = key.start_mark.line
                walk(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    walk(yaml.compose(text), ())
    return lines


def comment_above(lines: list[str], line: int) -> str:
    """The comment lines right above ``line``, as one text."""
    above: list[str] = []
    while line > 0 and lines[line - 1].strip().startswith("#"):
        line -= 1
        above.insert(0, lines[line].strip().removeprefix("#").strip())
    return words(" ".join(above))


def words(text: str | None) -> str:
    return " ".join((text or "").replace("`", "").split())


def test_init_writes_each_fields_docstring_above_its_key_and_the_file_loads(tmp_path: Path) -> None:
    made = edusync("init", "site", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    written = tmp_path / "site" / "edusync.yaml"
    text = written.read_text(encoding="utf-8")
    assert yaml.safe_load(text) == yaml.safe_load(template()), "only comments were added"
    assert load_config(written).config.profile(None)[0] == "nightly"

    lines, where = text.splitlines(), key_lines(text)
    top = [path for path in where if len(path) == 1]
    assert top, "the file has keys"
    for (key,) in top:
        assert comment_above(lines, where[(key,)]) == words(Config.model_fields[str(key)].description), key
    nested = {
        ("storage", "url"): StorageConfig.model_fields["url"],
        ("connectors", "sis", "settings", "input"): FilesSettings.model_fields["input"],
        ("sync", 0, "flows", 0, "from"): Flow.model_fields["from_"],
        ("targets", "lms", "thresholds"): TargetConfig.model_fields["thresholds"],
    }
    for path, info in nested.items():
        assert comment_above(lines, where[path]) == words(info.description), path
