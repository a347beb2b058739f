"""Target attributes → SCIM Users and Groups (RFC 7643 §4, the enterprise extension §4.3), and what differs.

A change's attributes carry these names (the target's outbound flows choose them):

- user: ``userName`` (required: the Feide name, say), ``givenName``, ``familyName``, ``displayName``,
  ``nickName``, ``title``, ``userType``, ``preferredLanguage``, ``email`` (one or a list; the first is
  primary), ``phone``, ``mobile``, and for the enterprise extension ``employeeNumber``, ``organization``,
  ``division``, ``department``; the change's key becomes ``externalId``;
- group: ``displayName`` (or ``name``); members come from ``membership`` changes;
- membership: ``person`` (a user's key) and ``group`` (a group's key).

A resource is compared through its *view*: the managed attributes as SCIM paths with plain values,
so an update sends a PATCH of exactly the paths that differ, and an attribute the service holds
but edusync does not manage is never touched. A national identity number is never sent: a value
that is one fails the change, naming the attribute, before anything goes out.
"""

from __future__ import annotations

from typing import Any

from scim2_models import Email, EnterpriseUser, Group, Name, PatchOp, PatchOperation, PhoneNumber, Resource

from edusync.connectors.scim.client import ScimUser
from edusync.errors import SkippableError
from edusync.model import fnr

Attrs = dict[str, Any]
View = dict[str, Any]
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
_NAME = {"givenName": "given_name", "familyName": "family_name"}
_PLAIN = {
    "displayName": "display_name",
    "nickName": "nick_name",
    "title": "title",
    "userType": "user_type",
    "preferredLanguage": "preferred_language",
}
_ENTERPRISE = {
    "employeeNumber": "employee_number",
    "organization": "organization",
    "division": "division",
    "department": "department",
}
USER_ATTRS = ("userName", *_NAME, *_PLAIN, "email", "phone", "mobile", *_ENTERPRISE)
GROUP_ATTRS = ("displayName", "name")
MEMBER_ATTRS = ("person", "group")
#: A user view's paths, in the order a PATCH lists them.
USER_PATHS = (
    "userName",
    *(f"name.{a}" for a in _NAME),
    *_PLAIN,
    "emails",
    "phoneNumbers",
    "active",
    *(f"{ENTERPRISE}:{a}" for a in _ENTERPRISE),
)


def _text(attrs: Attrs, name: str) -> str | None:
    value = attrs.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _texts(attrs: Attrs, name: str) -> list[str]:
    value = attrs.get(name)
    values = value if isinstance(value, list) else [value]
    return [t for v in values if v is not None and (t := str(v).strip())]


def _no_national_ids(kind: str, key: str, view: View) -> None:
    if fnr.is_valid(key):
        raise SkippableError(f"{kind} {fnr.mask(key)}: the key is a national identity number, never sent to SCIM")
    for path, value in view.items():
        values = value if isinstance(value, tuple) else (value,)
        for v in values:
            text = v[0] if isinstance(v, tuple) else v
            if isinstance(text, str) and fnr.is_valid(text):
                raise SkippableError(f"{kind} {key}: {path} holds a national identity number, never sent to SCIM")


def user_view(key: str, attrs: Attrs, *, active: bool = True) -> View:
    """What a user should look like, as SCIM paths; refuses a user without ``userName``."""
    user_name = _text(attrs, "userName")
    if user_name is None:
        raise SkippableError(f"user {key}: no userName (SCIM requires it; map the Feide name to it)")
    view: View = {"userName": user_name}
    for name in _NAME:
        if (value := _text(attrs, name)) is not None:
            view[f"name.{name}"] = value
    for name in _PLAIN:
        if (value := _text(attrs, name)) is not None:
            view[name] = value
    if emails := _texts(attrs, "email"):
        view["emails"] = tuple((e, "work") for e in dict.fromkeys(emails))
    phones = [(p, "work") for p in _texts(attrs, "phone")] + [(p, "mobile") for p in _texts(attrs, "mobile")]
    if phones:
        view["phoneNumbers"] = tuple(phones)
    view["active"] = active
    for name in _ENTERPRISE:
        if (value := _text(attrs, name)) is not None:
            view[f"{ENTERPRISE}:{name}"] = value
    _no_national_ids("user", key, view)
    return view


def group_view(key: str, attrs: Attrs) -> View:
    name = _text(attrs, "displayName") or _text(attrs, "name")
    if name is None:
        raise SkippableError(f"group {key}: no displayName (SCIM requires it)")
    view: View = {"displayName": name}
    _no_national_ids("group", key, view)
    return view


def member_keys(key: str, attrs: Attrs) -> tuple[str, str]:
    person, group = _text(attrs, "person"), _text(attrs, "group")
    if person is None or group is None:
        raise SkippableError(f"membership {key}: needs both person and group")
    return person, group


# -- views of what the service holds --------------------------------------------------------------


def view_of(resource: Resource[Any]) -> View:
    """The managed paths of a User or Group the service sent (read from its SCIM JSON, whichever model parsed it)."""
    data = resource.model_dump()
    if "userName" not in data:
        return {"displayName": data["displayName"]} if data.get("displayName") else {}
    view: View = {"userName": data["userName"]}
    name = data.get("name") or {}
    for attr in _NAME:
        if name.get(attr) is not None:
            view[f"name.{attr}"] = name[attr]
    for attr in _PLAIN:
        if data.get(attr) is not None:
            view[attr] = data[attr]
    for attr in ("emails", "phoneNumbers"):
        if data.get(attr):
            view[attr] = tuple((e.get("value"), e.get("type")) for e in data[attr])
    view["active"] = data.get("active") is not False
    ext = data.get(ENTERPRISE) or {}
    for attr in _ENTERPRISE:
        if ext.get(attr) is not None:
            view[f"{ENTERPRISE}:{attr}"] = ext[attr]
    return view


def differences(wanted: View, have: View) -> list[str]:
    """The managed paths whose values differ (``userName`` compared case-blind, as RFC 7643 §4.1.1 says)."""
    out = []
    for path in dict.fromkeys([*wanted, *have]):
        a, b = wanted.get(path), have.get(path)
        if path == "userName" and isinstance(a, str) and isinstance(b, str):
            a, b = a.lower(), b.lower()
        if a != b:
            out.append(path)
    return out


# -- resources and patches ---------------------------------------------------------------------------


def _emails(value: tuple[tuple[str, str], ...]) -> list[Email]:
    return [Email(value=v, type=t, primary=i == 0) for i, (v, t) in enumerate(value)]


def _phones(value: tuple[tuple[str, str], ...]) -> list[PhoneNumber]:
    return [PhoneNumber(value=v, type=t) for v, t in value]


def user(key: str, view: View) -> ScimUser:
    """The whole User a view describes, for a create or a replace."""
    names = {field: view[f"name.{n}"] for n, field in _NAME.items() if f"name.{n}" in view}
    resource = ScimUser(
        user_name=view["userName"],
        external_id=key,
        name=Name(**names) if names else None,
        emails=_emails(view["emails"]) if "emails" in view else None,
        phone_numbers=_phones(view["phoneNumbers"]) if "phoneNumbers" in view else None,
        active=view["active"],
        **{field: view[n] for n, field in _PLAIN.items() if n in view},
    )
    enterprise = {field: view[f"{ENTERPRISE}:{n}"] for n, field in _ENTERPRISE.items() if f"{ENTERPRISE}:{n}" in view}
    if enterprise:
        resource[EnterpriseUser] = EnterpriseUser(**enterprise)
    return resource


def group(key: str, view: View) -> Group:
    return Group(display_name=view["displayName"], external_id=key)


def _value(path: str, value: Any) -> Any:
    if path == "emails":
        return _emails(value)
    if path == "phoneNumbers":
        return _phones(value)
    return value


def patch(model: type[Resource[Any]], wanted: View, paths: list[str]) -> PatchOp[Any]:
    """Replace each differing path edusync has a value for, remove the others."""
    operations: list[PatchOperation[Any]] = [
        PatchOperation(op="replace", path=p, value=_value(p, wanted[p]))
        if p in wanted
        else PatchOperation(op="remove", path=p)
        for p in paths
    ]
    return PatchOp[model](operations=operations)  # type: ignore[valid-type]


def members_patch(add: list[str], remove: list[str]) -> PatchOp[Group]:
    """Add and remove members by the users' SCIM ids (RFC 7644 §3.5.2.1, §3.5.2.2)."""
    operations: list[PatchOperation[Group]] = []
    if add:
        operations.append(PatchOperation(op="add", path="members", value=[{"value": i} for i in add]))
    operations += [PatchOperation(op="remove", path=f'members[value eq "{i}"]') for i in remove]
    return PatchOp[Group](operations=operations)
