"""A configuration written with its fields' docstrings as comments reads back as the same data."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from edusync.config.commented import commented_yaml, with_comments
from edusync.config.models import Flow

RULE = {"connector": "sis", "object_type": "person", "metaverse_type": "person"}


def comment_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


@pytest.mark.parametrize("name", ["edusync.yaml", "vigobas.yaml", "fs-wiseflow.yaml"])
def test_each_shipped_template_reads_back_unchanged(name: str) -> None:
    text = resources.files("edusync.demo").joinpath(name).read_text(encoding="utf-8")
    written = with_comments(text)
    assert yaml.safe_load(written) == yaml.safe_load(text)
    assert written.startswith(text.split("\n", 1)[0] + "\n"), "the template's opening comment is kept"
    assert len(comment_lines(written)) > 2 * len(comment_lines(text.split("\n\n", 1)[0]))


def test_a_field_is_explained_once_and_later_blocks_of_its_kind_stay_on_one_line() -> None:
    flows = [{"to": "a", "from": "x"}, {"to": "b", "from": "y"}]
    data = {"connectors": {}, "profiles": {}, "sync": [{**RULE, "flows": flows}, {**RULE, "flows": flows}]}
    text = commented_yaml(data)
    first_words = " ".join((Flow.model_fields["to"].description or "").split()[:6])
    assert sum(first_words in line for line in comment_lines(text)) == 1
    assert "      - {to: b, from: y}" in text.splitlines()
    assert "    flows: [{to: a, from: x}, {to: b, from: y}]" in text.splitlines(), "the second rule's flows"
    assert yaml.safe_load(text) == data


def test_keys_no_model_knows_are_written_without_a_comment() -> None:
    data = {
        "connectors": {"x": {"type": "nosuch", "settings": {"speed": 3, "note": "line one\nline two"}}},
        "profiles": {"p": ["x:import"]},
        "extra": {"anything": [1, {"deep": True}], 7: "a key YAML reads as a number"},
    }
    text = commented_yaml(data)
    assert yaml.safe_load(text) == data
    lines = text.splitlines()
    assert '    settings: {"speed": 3, "note": "line one\\nline two"}' in lines, "unknown settings, on one line"
    for key in ("extra:", "anything:"):
        above = lines[next(i for i, line in enumerate(lines) if line.strip().startswith(key)) - 1]
        assert not above.strip().startswith("#"), key
