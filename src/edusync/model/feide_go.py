"""Feide GO group ids, shared by the Feide catalogue (LDAP entitlements) and the groups API.

Feide's rules (docs.feide.no, groups_go): a GO group id has five ``:``-separated
fields, ``<type>:<orgnr>:<local id>:<start>:<end>``, in canonical casing: type
lower, organisation number upper (``NO`` and nine digits), the local id
lower-cased and then percent-encoded. In LDAP it follows
``urn:mace:feide.no:go:groupid:``; in the groups API it follows
``fc:gogroup:<realm>:``. ``eduPersonEntitlement`` compares case-exactly, so a
wrongly cased id would never be found by a lookup, and the API id would not
match the catalogue's.
"""

from __future__ import annotations

import re
from urllib.parse import quote

GROUP_ID = "urn:mace:feide.no:go:groupid:"
API_PREFIX = "fc:gogroup:"
GO_TYPES = ("a", "b", "u")

_ORGNR = re.compile(r"^NO\d{9}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class EntitlementError(ValueError):
    """A GO group that Feide's validator would refuse; the message names the field."""


def encode(value: str) -> str:
    """One field as Feide writes it: every character outside ``A-Za-z0-9_.-~`` percent-encoded."""
    return quote(value, safe="")


def orgnr(value: object) -> str:
    """``NO`` and nine digits; nine digits alone get the ``NO``."""
    text = str(value or "").strip().upper().replace(" ", "")
    if text.isdigit() and len(text) == 9:
        text = "NO" + text
    if not _ORGNR.match(text):
        raise EntitlementError(f"organisation number {value!r} is not NO and 9 digits")
    return text


def check_date(name: str, value: str) -> str:
    if not _DATE.match(value):
        raise EntitlementError(f"GO group {name} {value!r} is not YYYY-MM-DD")
    return value


def id_fields(kind: str, org: str, local_id: str, start: str, end: str) -> str:
    """``<type>:<orgnr>:<local id>:<start>:<end>``, canonically cased and encoded."""
    kind = kind.lower()
    if kind not in GO_TYPES:
        raise EntitlementError(f"GO group type {kind!r} is not a, b or u")
    if not local_id.strip():
        raise EntitlementError("GO group has no local id")
    fields = [kind, orgnr(org), encode(local_id.strip().lower()), check_date("start", start), check_date("end", end)]
    return ":".join(fields)


def group_id(kind: str, org: str, local_id: str, start: str, end: str) -> str:
    """``urn:mace:feide.no:go:groupid:<type>:<orgnr>:<local id>:<start>:<end>`` (LDAP)."""
    return GROUP_ID + id_fields(kind, org, local_id, start, end)


def api_id(realm: str, kind: str, org: str, local_id: str, start: str, end: str) -> str:
    """``fc:gogroup:<realm>:<type>:<orgnr>:<local id>:<start>:<end>`` (the groups API)."""
    return f"{API_PREFIX}{realm.lower()}:{id_fields(kind, org, local_id, start, end)}"
