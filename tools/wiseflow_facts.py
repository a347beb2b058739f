"""Write edusync's WISEflow schema (the facts of the operations the sandbox serves) from WISEflow's OpenAPI file.

Usage: ``python tools/wiseflow_facts.py SPEC.yaml > src/edusync/sandbox/wiseflow/spec/wiseflow-api.json``

WISEflow's OpenAPI 1.34.0 states no licence, so the project holds only its facts: for each
operation the sandbox serves, the method, the path template, the parameters, the request body's
and each declared answer's schema (field names, types, required fields, patterns, enums, lengths).
Every description, summary, example and title is left out; OpenAPI 3.0's ``nullable`` becomes a
JSON Schema type union, and ``#/components/schemas/X`` becomes ``#/$defs/X``. Run by hand when a
new API version is adopted; nothing in the project reads the OpenAPI file.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import yaml

SOURCE = (
    "WISEflow public API {version} (OpenAPI {openapi}), as published in AlexMeiling/wiseflow-api-integration-packages "
    "@ aa011c5, docs/api-spec-snapshot.yaml; no licence stated, so this file holds only facts taken from it "
    "(paths, methods, parameters, field names, types, required fields, patterns, enums, status codes) and none of its prose."
)
KEEP = {"type", "format", "properties", "items", "required", "enum", "maxLength", "minLength", "pattern",
        "allOf", "anyOf", "oneOf", "additionalProperties", "maximum", "minimum", "maxItems", "minItems"}
#: The operations the sandbox serves (method, path template as the spec writes it).
SERVED = """
POST /license/user
GET /license/user-data-types
GET /license/roles
GET /license/assessor-types
GET /user/userDataType/{userDataType}/{value}
GET /user/eduPrincipalName/{orgId}
GET /users/{userId}
POST /users/search
GET /flows/{flowId}/assessors
POST /flows/{flowId}/assessors
POST /flow/{flowId}/assessors/add
PATCH /flows/{flowId}/assessors/{assessorId}
DELETE /flows/{flowId}/assessors/{assessorId}
GET /flow/{flowId}/assessors
GET /flows/{flowId}/assessors/{assessorId}/allocations
POST /flows/{flowId}/assessors/{assessorId}/allocations
DELETE /flows/{flowId}/assessors/{assessorId}/allocations
POST /flows/{flowId}/assessors/{assessorId}/allocations/participants/{participantId}
DELETE /flows/{flowId}/assessors/{assessorId}/allocations/participants/{participantId}
GET /license/flow-types
POST /license/create/flow
GET /flow/{flowId}
GET /flows/{flowId}/dates
PATCH /flows/{flowId}/dates
GET /flows/{flowId}/metadata
PUT /flows/{flowId}/metadata
PATCH /flows/{flowId}/activate
POST /flows/search
GET /flows/{flowId}/external-sources
POST /flows/{flowId}/external-sources
DELETE /flows/{flowId}/external-sources/{flowExternalSourceId}
GET /license/rooms
POST /license/rooms
GET /license/rooms/{roomId}
PUT /license/rooms/{roomId}
DELETE /license/rooms/{roomId}
GET /flows/{flowId}/room-bookings
POST /flows/{flowId}/room-bookings
DELETE /flows/{flowId}/room-bookings/{roomBookingId}
PUT /flows/{flowId}/room-bookings/{roomBookingId}/participants
GET /flows/{flowId}/room-bookings/{roomBookingId}/participants
GET /flows/{flowId}/marking/assessor-allocation-type
PUT /flows/{flowId}/marking/assessor-allocation-type
GET /flows/{flowId}/assessor-groups
POST /flows/{flowId}/assessor-groups
GET /flows/{flowId}/assessor-groups/{assessorGroupId}
PUT /flows/{flowId}/assessor-groups/{assessorGroupId}
DELETE /flows/{flowId}/assessor-groups/{assessorGroupId}
PUT /flows/{flowId}/assessor-groups/{assessorGroupId}/allocations/participants
DELETE /flows/{flowId}/assessor-groups/{assessorGroupId}/allocations/participants
POST /flows/{flowId}/assessor-groups/{assessorGroupId}/allocations/participants/{participantId}
DELETE /flows/{flowId}/assessor-groups/{assessorGroupId}/allocations/participants/{participantId}
GET /flows/{flowId}/assessors/groups
GET /flow/{flowId}/assessorGroups
GET /flow/{flowId}/assessments
GET /flow/{flowId}/assessments/{participantId}
GET /flow/{flowId}/submissions
GET /flow/{flowId}/submission/{submissionId}
POST /flows/{flowId}/participants
POST /flow/{flowId}/participants/add
GET /flows/{flowId}/participants
GET /flows/{flowId}/participants/{participantId}
DELETE /flows/{flowId}/participants/{participantId}
PUT /flows/{flowId}/participants/{participantId}/activated
GET /flows/{flowId}/participants/{participantId}/dates
PATCH /flows/{flowId}/participants/dates
PATCH /flows/{flowId}/participants/{participantId}/dates
GET /flows/{flowId}/participants/{participantId}/allocations
"""


def facts(schema: Any) -> Any:
    """A JSON Schema (2020-12) of an OpenAPI 3.0 schema's facts."""
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return {"$ref": schema["$ref"].replace("#/components/schemas/", "#/$defs/")}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in KEEP:
            continue
        if key == "properties":
            out[key] = {name: facts(v) for name, v in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = facts(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [facts(v) for v in value]
        else:
            out[key] = value
    if schema.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if "$ref" in node else set()
        return found.union(*(refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(v) for v in node))
    return set()


def main(path: str) -> None:
    spec = yaml.safe_load(open(path, encoding="utf-8"))
    operations = []
    for line in SERVED.split("\n"):
        if not line.strip():
            continue
        method, template = line.split()
        item = spec["paths"][template]
        op = item[method.lower()]
        params = [*item.get("parameters", []), *op.get("parameters", [])]
        body = op.get("requestBody")
        answers = {}
        for status, answer in op.get("responses", {}).items():
            content = answer.get("content") or {}
            media = next(iter(content), None)
            answers[status] = {"mediaType": media, "schema": facts(content[media].get("schema")) if media else None}
        operations.append({
            "method": method,
            "path": template,
            "parameters": [
                {"name": p["name"], "in": p["in"], "required": bool(p.get("required")), "schema": facts(p.get("schema", {}))}
                for p in params
            ],
            "requestBody": None if body is None else {
                "required": bool(body.get("required")),
                "mediaType": next(iter(body["content"])),
                "schema": facts(next(iter(body["content"].values()))["schema"]),
            },
            "responses": answers,
        })
    wanted, defs = refs(operations), {}
    while wanted:
        name = wanted.pop()
        defs[name] = facts(spec["components"]["schemas"][name])
        wanted |= refs(defs[name]) - set(defs)
    out = {
        "$comment": "edusync's own schema of WISEflow's API, written by tools/wiseflow_facts.py. Source: "
        + SOURCE.format(version=spec["info"]["version"], openapi=spec["openapi"]),
        "version": spec["info"]["version"],
        "security": {"header": spec["components"]["securitySchemes"]["token"]["name"]},
        "operations": operations,
        "$defs": dict(sorted(defs.items())),
    }
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
