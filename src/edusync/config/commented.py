"""Write a configuration as YAML with each field's docstring as a comment above its key.

``edusync init`` writes its starting file with this, so the file a school edits explains
itself where it is edited, in the words of docs/configuration.md: both come from the
docstrings under the fields (:mod:`edusync.config.reference`). A field is explained where it
first appears; later blocks of the same kind (the second sync rule, the third flow) are
written on one line, as a person writes them, unless they hold a field not yet explained.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Mapping
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel

from edusync.config.models import Config, ConnectorConfig
from edusync.config.reference import WIDTH, inline, is_model, paragraphs, unwrap
from edusync.errors import ConfigError


def commented_yaml(data: Mapping[Any, Any], model: type[BaseModel] = Config, *, header: str = "") -> str:
    """``data`` (a configuration as loaded from YAML) as YAML text, each known key under its field's docstring.

    ``header`` (comment lines) goes first. A key no model knows is written without a comment,
    so the text always loads back as ``data``.
    """
    writer = _Writer()
    writer.mapping(data, model, indent=0)
    return header + "\n".join(writer.lines) + "\n"


def with_comments(text: str, model: type[BaseModel] = Config) -> str:
    """A configuration's YAML text rewritten by :func:`commented_yaml`, keeping its opening comment lines.

    For ``edusync init`` and any profile's init: the shipped template stays plain YAML, and
    the file written from it explains every key it holds.
    """
    header = "".join(itertools.takewhile(lambda line: line.startswith("#"), text.splitlines(keepends=True)))
    return commented_yaml(yaml.safe_load(text), model, header=header + "\n" if header else "")


def _settings_model(type_name: Any) -> Any:
    """The settings model of a connector type, or ``Any`` when the type is not installed."""
    from edusync.connectors.registry import connector_class

    try:
        return connector_class(str(type_name)).settings_model
    except ConfigError:
        return Any


def _items(schema: Any) -> Any:
    """The type of a list's items or a mapping's values, when ``schema`` says."""
    schema = unwrap(schema)
    args = get_args(schema)
    if get_origin(schema) is list:
        return args[0]
    if get_origin(schema) is dict:
        return args[1]
    return Any


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.explained: set[tuple[type[BaseModel], str]] = set()

    def _fields(self, data: Mapping[Any, Any], schema: Any) -> dict[Any, tuple[str, Any]]:
        """Key → (the field's name, or "" for none; the schema of its value)."""
        model = unwrap(schema)
        if not is_model(model):
            return {k: ("", _items(schema)) for k in data}
        by_key = {info.alias or name: (name, info.annotation) for name, info in model.model_fields.items()}
        out = {k: by_key.get(k, ("", Any)) for k in data}
        if model is ConnectorConfig and "settings" in out:
            out["settings"] = ("settings", _settings_model(data.get("type")))
        return out

    def _unexplained(self, value: Any, schema: Any) -> bool:
        """Whether writing ``value`` would explain a field for the first time."""
        if isinstance(value, list):
            return any(self._unexplained(v, _items(schema)) for v in value)
        if not isinstance(value, Mapping):
            return False
        model = unwrap(schema)
        for key, (name, inner) in self._fields(value, schema).items():
            if (name and (model, name) not in self.explained) or self._unexplained(value[key], inner):
                return True
        return False

    def _comment(self, model: Any, name: str, indent: int) -> None:
        if not name or (model, name) in self.explained:
            return
        self.explained.add((model, name))
        width = WIDTH - indent - 2
        for i, paragraph in enumerate(paragraphs(model.model_fields[name].description or "")):
            if i:
                self.lines.append(" " * indent + "#")
            self.lines += [" " * indent + "# " + line for line in textwrap.wrap(paragraph, width)]

    def mapping(self, data: Mapping[Any, Any], schema: Any, indent: int, *, dash: bool = False) -> None:
        """Write ``data``'s keys at column ``indent``; ``dash``: it is a list item (``- `` before the first key)."""
        model = unwrap(schema)
        for i, (key, (name, inner)) in enumerate(self._fields(data, schema).items()):
            if indent == 0 and i:
                self.lines.append("")
            first = dash and i == 0
            self._comment(model, name, indent - 2 if first else indent)
            lead = " " * (indent - 2) + "- " if first else " " * indent
            self.value(f"{lead}{inline(key)}:", data[key], inner, indent)

    def value(self, head: str, value: Any, schema: Any, indent: int) -> None:
        """Write ``head`` and ``value``: on one line when it fits and explains nothing, else below it.

        A top-level block is always written below its key, as the file's sections.
        """
        one_line = f"{head} {inline(value)}"
        nested = bool(value) and isinstance(value, Mapping | list)
        section = indent == 0 and isinstance(value, Mapping)
        if not nested or (self._fits(one_line, value, schema) and not section):
            self.lines.append(one_line)
            return
        self.lines.append(head)
        if isinstance(value, Mapping):
            self.mapping(value, schema, indent + 2)
            return
        for item in value:
            if isinstance(item, Mapping) and item:
                self._item(item, _items(schema), indent + 4)
            else:
                self.lines.append(f"{' ' * (indent + 2)}- {inline(item)}")

    def _item(self, item: Mapping[Any, Any], schema: Any, indent: int) -> None:
        one_line = f"{' ' * (indent - 2)}- {inline(item)}"
        if self._fits(one_line, item, schema):
            self.lines.append(one_line)
        else:
            self.mapping(item, schema, indent, dash=True)

    def _fits(self, line: str, value: Any, schema: Any) -> bool:
        return len(line) <= WIDTH and not self._unexplained(value, schema)
