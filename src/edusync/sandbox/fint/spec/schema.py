"""One FINT resource held to the project's schema of FINT's information model (``fint-model.json``).

A resource may carry only its class's fields (typed as the model types them) and ``_links``
naming its class's relations; every link is an absolute URL to a class the schema knows, by
one of that class's identifiers (FINT's overview: relations always refer to a main class by an
identifying field). A resource has one self link per identifier it has a value for, in the
order FINT's consumer builds them (the identifier fields by name), each naming its own value.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from typing import Any
from urllib.parse import unquote, urlsplit

#: ISO 8601 in UTC, as FINT's overview prescribes for every date (``2019-06-05T09:48:23Z``).
UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")


@functools.cache
def model() -> dict[str, Any]:
    data = (importlib.resources.files("edusync.sandbox.fint.spec") / "fint-model.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(data)
    return loaded


def classes() -> dict[str, dict[str, Any]]:
    """Class path (``/utdanning/elev/elev``) → its fields, identifiers and relations."""
    found: dict[str, dict[str, Any]] = model()["classes"]
    return found


def split_link(href: str) -> tuple[str, str, str] | None:
    """``https://host/utdanning/elev/elev/systemid/1`` → (class path, identifier, value), or None."""
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    segments = parts.path.split("/")
    for i in range(len(segments) - 4):
        path = "/".join(["", *segments[i + 1 : i + 4]])
        if path in classes() and len(segments) == i + 6:
            return path, segments[i + 4], unquote(segments[i + 5])
    return None


def _ident_value(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("identifikatorverdi"), str):
        return str(value["identifikatorverdi"])
    return None


def _complex(name: str, value: Any, where: str) -> list[str]:
    """Problems of a complex datatype (Periode, Adresse …): only its fields, strings where the model has text."""
    spec = model()["complex_types"][name]
    if not isinstance(value, dict):
        return [f"{where} is not an object, as a FINT {name} is"]
    found = [f"{where} has {key!r}, which {name} does not" for key in value if key not in (*spec["fields"], "_links")]
    if name == "Periode":
        if "start" not in value:
            found.append(f"{where} has no start (a Periode must)")
        for key in ("start", "slutt"):
            if key in value and not (isinstance(value[key], str) and UTC_TIME.match(value[key])):
                found.append(f"{where}.{key} is not an ISO 8601 UTC time: {str(value[key])[:30]!r}")
    elif name == "Identifikator":
        if not isinstance(value.get("identifikatorverdi"), str) or not value["identifikatorverdi"]:
            found.append(f"{where}.identifikatorverdi is not a non-empty string")
    elif name == "Adresse":
        if "adresselinje" in value and not isinstance(value["adresselinje"], list):
            found.append(f"{where}.adresselinje is multi-valued: an array")
    else:
        found += [f"{where}.{k} is not a string" for k, v in value.items() if k != "_links" and not isinstance(v, str)]
    return found


def _field(kind: str, value: Any, where: str) -> list[str]:
    if kind == "any":
        return []
    if kind.endswith("[]"):
        if not isinstance(value, list):
            return [f"{where} is multi-valued: an array"]
        return [p for i, item in enumerate(value) for p in _field(kind[:-2], item, f"{where}[{i}]")]
    if kind == "string":
        return [] if isinstance(value, str) else [f"{where} is not a string"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where} is not a boolean"]
    if kind == "integer":
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{where} is not an integer"]
    if kind == "dateTime":
        ok = isinstance(value, str) and UTC_TIME.match(value)
        return [] if ok else [f"{where} is not an ISO 8601 UTC time"]
    return _complex(kind, value, where)


def links_problems(links: Any, allowed: set[str], where: str) -> list[str]:
    if not isinstance(links, dict):
        return [f"{where}._links is not an object"]
    found = []
    for rel, targets in links.items():
        if rel not in allowed:
            found.append(f"{where} links {rel!r}, a relation its class does not have")
        if not isinstance(targets, list):
            found.append(f"{where}._links.{rel} is not an array")
            continue
        for target in targets:
            href = target.get("href") if isinstance(target, dict) else None
            if not isinstance(href, str):
                found.append(f"{where}._links.{rel} holds an entry without an href")
                continue
            split = split_link(href)
            if split is None:
                found.append(f"{where}._links.{rel} is no absolute link to a FINT class: {href[:80]!r}")
            elif split[1] not in {i.lower() for i in classes()[split[0]]["identifiers"]}:
                found.append(f"{where}._links.{rel} names {split[0]} by {split[1]!r}, which is none of its identifiers")
    return found


def resource_problems(path: str, entry: Any, where: str = "the resource", *, check_self: bool = True) -> list[str]:
    """Every way ``entry`` differs from a resource of the class served at ``path``."""
    spec = classes()[path]
    if not isinstance(entry, dict):
        return [f"{where} is not an object"]
    found: list[str] = []
    for key, value in entry.items():
        if key == "_links":
            continue
        kind = spec["fields"].get(key)
        if kind is None:
            found.append(f"{where} has {key!r}, which {spec['class']} does not have")
        elif value is not None:
            found += _field(kind, value, f"{where}.{key}")
    links = entry.get("_links")
    if links is None:
        return [*found, f"{where} has no _links"]
    found += links_problems(links, {"self", *spec["relations"]}, where)
    if isinstance(links, dict) and check_self:
        found += _self_problems(path, spec, entry, links.get("self"), where)
    return found


def _self_problems(path: str, spec: dict[str, Any], entry: dict[str, Any], selves: Any, where: str) -> list[str]:
    if not isinstance(selves, list) or not selves:
        return [f"{where} has no self link"]
    want = [(i.lower(), v) for i in spec["identifiers"] if (v := _ident_value(entry.get(i))) is not None]
    got = [split_link(s.get("href", "")) if isinstance(s, dict) else None for s in selves]
    if any(g is None or g[0] != path for g in got):
        return [f"{where} has a self link that is not to {path}"]
    have = [(g[1], g[2]) for g in got if g is not None]
    if sorted(have) != sorted(want):
        return [f"{where}: self links {[h[0] for h in have]} are not one per identifier {[w[0] for w in want]}"]
    if have != want:
        return [f"{where}: self links are not in FINT's order {[w[0] for w in want]}"]
    return []
