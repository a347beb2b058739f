"""docs/configuration.md's reference is the fields' docstrings, and every field has one."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel

from edusync.config import reference
from edusync.config.models import Config
from edusync.connectors.registry import connector_types

PAGE = Path(__file__).parents[2] / "docs" / "configuration.md"


def models_under(model: type[BaseModel], found: set[type[BaseModel]]) -> set[type[BaseModel]]:
    """``model`` and every model its fields' types name, however deeply nested in lists, mappings, unions."""

    def walk(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            models_under(annotation, found)
        for arg in get_args(annotation):
            walk(arg)

    if model not in found:
        found.add(model)
        for info in model.model_fields.values():
            walk(info.annotation)
    return found


def test_the_reference_in_the_docs_is_what_the_docstrings_make_now() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert reference.replace_reference(page, reference.render()) == page, (
        "docs/configuration.md's reference is out of date: run python -m edusync.config.reference"
    )


def test_every_field_of_every_config_model_has_a_docstring() -> None:
    found: set[type[BaseModel]] = set()
    models_under(Config, found)
    for connector in connector_types().values():
        models_under(connector.settings_model, found)
    undocumented = sorted(
        f"{model.__module__}.{model.__qualname__}.{name}"
        for model in found
        for name, info in model.model_fields.items()
        if not (info.description or "").strip()
    )
    assert undocumented == []
    assert len(found) > 25, "the walk reached the nested models (Flow, Limit, the FINT filters…)"


def test_an_entry_gives_type_bounds_default_and_description() -> None:
    text = " ".join(reference.render().split())  # as it reads, whatever the wrapping
    assert "- `port` (integer, ≥ 1, ≤ 65535; default `587`): The server's port" in text
    assert "- `objects` (list of blocks, see `targets.<name>.objects[]`; required): One rule per" in text
    assert "`on_breach` (`block` or `fail`; default `block`)" in text
    assert "default `{'*': {delete: {max_percent: 10.0}}}`" in text, "a factory default, as YAML"
    assert "### `connectors.<name>.settings.filters` of `type: fint`" in text, "a connector's nested block"
    assert "Also under `targets.<name>.objects[].scope[]`." in text, "a shared block is documented once"


def test_check_fails_on_a_stale_page_and_the_rewrite_keeps_the_hand_written_parts(tmp_path: Path) -> None:
    page = PAGE.read_text(encoding="utf-8")
    stale = page.replace("The format of this file", "The old words for the format of this file")
    copy = tmp_path / "configuration.md"
    copy.write_text(stale, encoding="utf-8")
    assert reference.main(["--check", str(copy)]) == 1
    assert copy.read_text(encoding="utf-8") == stale, "--check changes nothing"
    assert reference.main([str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == page
    assert reference.main(["--check", str(copy)]) == 0
