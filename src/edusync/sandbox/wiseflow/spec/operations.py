"""The operations of WISEflow's API that the project holds, found by method and path template.

Loaded from ``wiseflow-api.json`` (package data). Two changes are made on loading, both so that
a schema says everything the specification allows and nothing more: every object schema that
lists its properties is closed (``unevaluatedProperties: false``: a field the specification does
not declare is an error, on either side), and every ``$ref`` points into one registry resource.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from dataclasses import dataclass
from typing import Any

API_PREFIX = "/v1"  # the servers' base path: https://europe-api.wiseflow.net/v1
ROOT = "urn:edusync:wiseflow-api"
OPEN = ".open"  # the same object schema, not closed: a member of an allOf
Schema = dict[str, Any]


@dataclass(frozen=True)
class Parameter:
    name: str
    where: str  # "path", "query" or "header"
    required: bool
    schema: Schema


@dataclass(frozen=True)
class Answer:
    media_type: str | None  # None: the specification declares no body
    schema: Schema | None


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    parameters: tuple[Parameter, ...]
    body: Schema | None
    body_required: bool
    answers: dict[str, Answer]
    pattern: re.Pattern[str]

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"

    def path_values(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        return None if found is None else found.groupdict()


def _closed(node: Any) -> Any:
    if isinstance(node, list):
        return [_closed(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: (v if k == "enum" else _closed(v)) for k, v in node.items()}
    if "properties" in node:
        out["properties"] = {name: _closed(v) for name, v in node["properties"].items()}
        if "additionalProperties" not in node:
            out["unevaluatedProperties"] = False
    if isinstance(node.get("$ref"), str):
        out["$ref"] = ROOT + node["$ref"]
    if "allOf" in node:
        # Each member is one part of the object: only the whole may refuse what no part declares.
        out["allOf"] = [{"$ref": ROOT + m["$ref"] + OPEN} if "$ref" in m else _closed(m) for m in node["allOf"]]
        out["unevaluatedProperties"] = False
    return out


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts))
    return re.compile(regex)


@functools.cache
def document() -> dict[str, Any]:
    """The project's schema file, with its object schemas closed and its references absolute."""
    raw = (importlib.resources.files(__package__) / "wiseflow-api.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(raw)
    defs = {name: _closed(schema) for name, schema in data["$defs"].items()}
    opened = {
        name + OPEN: {k: v for k, v in schema.items() if k != "unevaluatedProperties"} for name, schema in defs.items()
    }
    data["$defs"] = {**defs, **opened}
    return data


def _operation(raw: dict[str, Any]) -> Operation:
    body = raw["requestBody"]
    return Operation(
        method=raw["method"],
        template=raw["path"],
        parameters=tuple(Parameter(p["name"], p["in"], p["required"], _closed(p["schema"])) for p in raw["parameters"]),
        body=None if body is None else _closed(body["schema"]),
        body_required=bool(body and body["required"]),
        answers={
            status: Answer(a["mediaType"], None if a["schema"] is None else _closed(a["schema"]))
            for status, a in raw["responses"].items()
        },
        pattern=_pattern(raw["path"]),
    )


OPERATIONS: tuple[Operation, ...] = tuple(_operation(op) for op in document()["operations"])
# A literal segment wins over a parameter (``/assessors/groups`` before ``/assessors/{assessorId}``).
_BY_SPECIFICITY = sorted(OPERATIONS, key=lambda op: op.template.count("{"))


def find(method: str, path: str) -> Operation | None:
    """The operation ``method path`` (path below :data:`API_PREFIX`) is, if the project holds it."""
    for op in _BY_SPECIFICITY:
        if op.method == method.upper() and op.pattern.fullmatch(path):
            return op
    return None


def templates(path: str) -> list[str]:
    """The methods the project holds for ``path`` (to tell a wrong method from an unknown path)."""
    return sorted({op.method for op in OPERATIONS if op.pattern.fullmatch(path)})
