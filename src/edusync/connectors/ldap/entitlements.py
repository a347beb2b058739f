"""Feide GO entitlements: group values, group ids and Grep codes for ``eduPersonEntitlement``.

Feide's rules (docs.feide.no, groups_go): every member of a GO group carries
both the *group value* (eight URL-encoded fields) and the matching *group id*
(five fields in canonical casing, built by :mod:`edusync.model.feide_go`, which
the groups API shares so that its ``fc:gogroup`` ids match the catalogue's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edusync.model.feide_go import GROUP_ID, EntitlementError, check_date, encode, group_id, orgnr

GROUP = "urn:mace:feide.no:go:group:"
GREP = "urn:mace:feide.no:go:grep:"

__all__ = ["GREP", "GROUP", "GROUP_ID", "EntitlementError", "entitlements", "grep_value", "group_id", "group_value"]


def _field(group: Mapping[str, Any], name: str) -> str:
    value = str(group.get(name) or "").strip()
    if not value:
        raise EntitlementError(f"GO group has no {name!r}")
    return value


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
    org = orgnr(group.get("orgnr"))
    local, start, end = _field(group, "id"), _field(group, "start"), _field(group, "end")
    check_date("start", start)
    check_date("end", end)
    role, name = _field(group, "role"), _field(group, "name")
    fields = [kind, grep, org, local, start, end, role, name]
    return GROUP + ":".join(encode(f) for f in fields), group_id(kind, org, local, start, end)


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
