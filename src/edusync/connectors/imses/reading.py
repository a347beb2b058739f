"""Read back what itslearning holds, in the target's attribute names (the inverse of :mod:`.mapping`).

``readPersons`` answers with the persons it found and one status per asked key in request order,
without naming the person in the body: the found persons belong, in order, to the keys whose
status is a success. Used to check a site against what edusync sent (and by the tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from edusync.connectors.imses.client import ImsesClient
from edusync.connectors.imses.soap import COMMON, SERVICES, Element, q, read_request, text_of
from edusync.errors import RetriableError

Attrs = dict[str, Any]
P, G, M = (SERVICES[k] for k in ("person", "group", "membership"))
_TELS = {"Voice": "phone", "1": "phone", "Mobile": "mobile", "3": "mobile"}


def person_attrs(el: Element) -> Attrs:
    d = P.data
    out: Attrs = {}
    for part in el.iterfind(f"{q(d, 'name')}/{q(d, 'partName')}"):
        name = {"First": "givenName", "Last": "familyName"}.get(text_of(part, (d, "namePartType")) or "")
        if name and (value := text_of(part, (d, "namePartValue"))):
            out[name] = value
    for attr, path in (
        ("fullName", ((d, "formatName"),)),
        ("email", ((COMMON, "email"),)),
        ("url", ((COMMON, "URL"),)),
        ("username", ((d, "userId"), (COMMON, "userIdValue"))),
        ("gender", ((d, "demographics"), (d, "gender"))),
        ("birthDate", ((d, "demographics"), (d, "bday"))),
    ):
        if value := text_of(el, *path):
            out[attr] = value
    roles = [r for e in el.iterfind(q(d, "institutionRole")) if (r := text_of(e, (d, "institutionRoleType")))]
    if roles:
        out["role"] = roles
    for tel in el.iterfind(q(d, "tel")):
        kind = _TELS.get(text_of(tel, (d, "telType")) or "")
        if kind and (number := text_of(tel, (d, "telValue"))):
            out.setdefault(kind, number)
    return out


def group_attrs(el: Element) -> Attrs:
    d = G.data
    out: Attrs = {}
    for attr, path in (
        ("groupType", ((d, "groupType"), (d, "typeValue"), (d, "type"))),
        ("name", ((d, "description"), (d, "descShort"))),
        ("description", ((d, "description"), (d, "descLong"))),
        ("parent", ((d, "relationship"), (d, "sourceId"), (COMMON, "identifier"))),
    ):
        if value := text_of(el, *path):
            out[attr] = value
    names = {"course": "courseTitle", "course/code": "courseCode", "course/credits": "credits"}
    for found in el.iterfind(f"{q(d, 'extension')}/{q(COMMON, 'extensionField')}"):
        field = names.get(text_of(found, (COMMON, "fieldName")) or "")
        if field and (value := text_of(found, (COMMON, "fieldValue"))):
            out[field] = value
    return out


def membership_attrs(el: Element) -> Attrs:
    d = M.data
    role = (d, "member"), (d, "role")
    out: Attrs = {
        "group": text_of(el, (d, "groupSourcedId"), (COMMON, "identifier")),
        "person": text_of(el, (d, "member"), (d, "memberSourcedId"), (COMMON, "identifier")),
        "role": text_of(el, *role, (d, "roleType")),
    }
    for attr, path in (
        ("subrole", (*role, (d, "subRole"))),
        ("status", (*role, (d, "status"))),
        ("begin", (*role, (d, "timeFrame"), (COMMON, "begin"), (COMMON, "date"))),
        ("end", (*role, (d, "timeFrame"), (COMMON, "end"), (COMMON, "date"))),
    ):
        if value := text_of(el, *path):
            out[attr] = value
    return out


def read_persons(client: ImsesClient, keys: Sequence[str]) -> dict[str, Attrs]:
    """The persons itslearning has of ``keys`` (those it does not have, or has in the trash, are left out)."""
    reply = client.call("person", "readPersons", read_request(P, "readPersons", "sourcedIdSet", keys))
    if len(reply.statuses) != len(keys):
        where = client.where(P, "readPersons")
        raise RetriableError(f"{where}: {len(reply.statuses)} statuses came back for {len(keys)} keys")
    body = reply.body
    found = iter(body.findall(f"{q(P.mess, 'personSet')}/{q(P.mess, 'person')}") if body is not None else [])
    out: dict[str, Attrs] = {}
    for key, status in zip(keys, reply.statuses, strict=True):
        if status.ok and (person := next(found, None)) is not None:
            out[key] = person_attrs(person)
    return out


def read_group(client: ImsesClient, key: str) -> Attrs | None:
    reply = client.call("group", "readGroup", read_request(G, "readGroup", "sourcedId", [key]))
    found = reply.body.find(q(G.mess, "group")) if reply.body is not None else None
    return group_attrs(found) if found is not None else None


def read_memberships(client: ImsesClient, group: str) -> dict[str, Attrs]:
    """The memberships of one group, by their sync keys."""
    request = read_request(M, "readMembershipsForGroup", "groupSourcedId", [group])
    reply = client.call("membership", "readMembershipsForGroup", request)
    out: dict[str, Attrs] = {}
    body = reply.body
    pairs = (
        body.findall(f"{q(M.mess, 'membershipIDPairSet')}/{q(M.mess, 'membershipIdPair')}") if body is not None else []
    )
    for pair in pairs:
        key = text_of(pair, (M.mess, "sourcedId"), (COMMON, "identifier"))
        data = pair.find(q(M.mess, "membership"))
        if key and data is not None:
            out[key] = membership_attrs(data)
    return out
