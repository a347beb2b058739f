"""Validate a request or an answer of one WISEflow operation against the project's schemas (``jsonschema``).

Path and query values arrive as text; a value whose schema is an integer or a boolean must read
as one before it is validated. Formats are not asserted: the specification uses formats of its
own (``unixtime``, ``integer``) that no JSON Schema validator knows.
"""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import parse_qs

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from edusync.sandbox.wiseflow.spec.operations import ROOT, Operation, Schema, document


@functools.cache
def _registry() -> Registry[Any]:
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": ROOT, "$defs": document()["$defs"]}
    registry: Registry[Any] = Registry().with_resource(ROOT, Resource.from_contents(root))
    return registry


@functools.lru_cache(maxsize=512)
def _validator(text: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(text), registry=_registry())


def schema_problems(value: Any, schema: Schema, where: str) -> list[str]:
    """Every way ``value`` breaks ``schema``, each naming ``where`` and the place in the value."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{where}: {e.json_path}: {e.message}" for e in errors]


def _typed(text: str, schema: Schema) -> Any:
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def parameter_problems(op: Operation, path: str, query: str) -> list[str]:
    found: list[str] = []
    values = op.path_values(path) or {}
    given = parse_qs(query, keep_blank_values=True)
    declared = {p.name for p in op.parameters if p.where == "query"}
    found += [f"query parameter {name!r} is not declared for {op.name}" for name in sorted(set(given) - declared)]
    for p in op.parameters:
        if p.where == "path":
            found += schema_problems(_typed(values.get(p.name, ""), p.schema), p.schema, f"path parameter {p.name}")
        elif p.where == "query" and p.name in given:
            for text in given[p.name]:
                found += schema_problems(_typed(text, p.schema), p.schema, f"query parameter {p.name}")
        elif p.where == "query" and p.required:
            found.append(f"query parameter {p.name!r} is required by {op.name}")
    return found


def body_problems(op: Operation, content_type: str, body: bytes) -> list[str]:
    if not body.strip():
        return [f"{op.name} requires a request body"] if op.body_required else []
    if op.body is None:
        return [f"{op.name} takes no request body"]
    if content_type != "application/json":
        return [f"the request body is application/json, not {content_type or 'untyped'}"]
    try:
        value = json.loads(body)
    except ValueError as exc:
        return [f"the request body is not JSON: {exc}"]
    return schema_problems(value, op.body, "request body")


def request_problems(op: Operation, path: str, query: str, content_type: str, body: bytes) -> list[str]:
    """Every way a request to ``op`` (``path`` below the API prefix) breaks the specification."""
    return parameter_problems(op, path, query) + body_problems(op, content_type, body)


def answer_problems(op: Operation, status: int, body: bytes, *, unauthorized: Schema | None = None) -> list[str]:
    """Every way an answer of ``op`` breaks the specification: an undeclared status, or a body off its schema."""
    answer = op.answers.get(str(status))
    schema = answer.schema if answer is not None else None
    if answer is None and status == 401 and unauthorized is not None:
        schema = unauthorized  # the API-key scheme covers every operation
    elif answer is None:
        return [f"HTTP {status} is not an answer {op.name} declares ({', '.join(sorted(op.answers))})"]
    if schema is None:
        return [] if not body.strip() else [f"HTTP {status} of {op.name} declares no body, but one was sent"]
    try:
        value = json.loads(body)
    except ValueError as exc:
        return [f"the answer (HTTP {status}) is not JSON: {exc}"]
    return schema_problems(value, schema, f"answer {status}")
