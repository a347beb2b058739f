"""Feide GO entitlements: group values, group ids and Grep codes for ``eduPersonEntitlement``.

Feide's rules (docs.feide.no, groups_go): every member of a GO group carries
both the *group value* (eight URL-encoded fields) and the matching *group id*
(five fields in canonical casing: type lower, organisation number upper, local
id lower-cased and then percent-encoded). ``eduPersonEntitlement`` compares
case-exactly, so a wrongly cased id would never be found by a lookup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

GROUP = "urn:mace:feide.no:go:group:"
GROUP_ID = "urn:mace:feide.no:go:groupid:"
GREP = "urn:mace:feide.no:go:grep:"

_ORGNR = re.compile(r"^NO\d{9}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class EntitlementError(ValueError):
    """A GO group that Feide's validator would refuse; the message names the field."""


def _enc(value: str) -> str:
    return quote(value, safe="")


def _orgnr(value: Any) -> str:
    text = str(value or "").strip().upper().replace(" ", "")
    if text.isdigit() and len(text) == 9:
        text = "NO" + text
    if not _ORGNR.match(text):
        raise EntitlementError(f"organisation number {value!r} is not NO and 9 digits")
    return text


def _field(group: Mapping[str, Any], name: str) -> str:
    value = str(group.get(name) or "").strip()
    if not value:
        raise EntitlementError(f"GO group has no {name!r}")
    return value


def group_id(kind: str, orgnr: str, local_id: str, start: str, end: str) -> str:
    """``urn:mace:feide.no:go:groupid:<type>:<orgnr>:<local id>:<start>:<end>``, canonically cased."""
    return GROUP_ID + ":".join([kind.lower(), _orgnr(orgnr), _enc(local_id.lower()), start, end])


def group_value(group: Mapping[str, Any]) -> tuple[str, str]:
    """The group value and the group id of one GO group membership.

    ``group`` holds ``type`` (b basis group, u teaching group, a other), ``grep``
    (the subject code, required for u and empty otherwise), ``orgnr`` (NO and 9
    digits, or 9 digits), ``id`` (the local id), ``start`` and ``end``
    (YYYY-MM-DD), ``role`` (the Feide affiliation: student, faculty…) and ``name``.
    """
    kind = _field(group, "type").lower()
    if kind not in ("a", "b", "u"):
        raise EntitlementError(f"GO group type {kind!r} is not a, b or u")
    grep = str(group.get("grep") or "").strip()
    if kind == "u" and not grep:
        raise EntitlementError("a teaching group (type u) needs its Grep subject code in 'grep'")
    if kind != "u":
        grep = ""
    orgnr = _orgnr(group.get("orgnr"))
    local, start, end = _field(group, "id"), _field(group, "start"), _field(group, "end")
    for name, date in (("start", start), ("end", end)):
        if not _DATE.match(date):
            raise EntitlementError(f"GO group {name} {date!r} is not YYYY-MM-DD")
    role, name = _field(group, "role"), _field(group, "name")
    fields = [kind, grep, orgnr, local, start, end, role, name]
    return GROUP + ":".join(_enc(f) for f in fields), group_id(kind, orgnr, local, start, end)


def grep_value(uri: str) -> str:
    """``urn:mace:feide.no:go:grep:<Grep URI>`` (the URI as Udir publishes it, not encoded)."""
    uri = uri.strip()
    if not uri:
        raise EntitlementError("empty Grep URI")
    return uri if uri.startswith(GREP) else GREP + uri


def entitlements(explicit: list[str], groups: list[Mapping[str, Any]], grep: list[str]) -> list[str]:
    """Every entitlement of a person, each once, in a stable order."""
    values = list(explicit)
    for group in groups:
        values.extend(group_value(group))
    values.extend(grep_value(uri) for uri in grep)
    return list(dict.fromkeys(values))
