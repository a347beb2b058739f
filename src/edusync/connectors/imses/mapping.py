"""Target attributes -> IMS ES ``person``, ``group`` and ``membership`` elements.

The attribute names are the ``pifu-xml`` target's (docs/pifu.md), and a person's values are
normalised by that target's own code, so the same outbound flows feed both targets and a
value is cleaned the same way in both. A change that itslearning cannot take (no name, an
unknown group type or role) fails on its own with a :class:`SkippableError` naming the
attribute, before anything is sent.

Persons and memberships follow itslearning's WSDLs, groups the IMS GMS v1.0 data schema (no
group WSDL of itslearning's is published with the others): element order, and every element
those make required. Data elements are in the service's data namespace, except the Common ones
(``identifier``, ``email``, ``URL``, ``userIdValue``, ``extensionField``, a time frame's dates).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from edusync.connectors.imses import vocab
from edusync.connectors.imses.soap import COMMON, XSI, Element, Service, identifier, q, sub
from edusync.connectors.pifu import normalize
from edusync.connectors.pifu.vocab import ROLE_ALIASES, squash
from edusync.errors import SkippableError

Attrs = dict[str, Any]
text = normalize.text
_date = normalize._date  # the same date rule as the pifu-xml target
KEY_LIMITS = {"person": 64, "group": 64, "membership": 255}
_TEL_TYPES = {"1": "Voice", "3": "Mobile"}
_GENDERS = {"1": "Female", "2": "Male"}  # the pifu-xml target's codes; 0 (unknown) has no IMS ES value
#: IMS GMS v1.0 requires a level with every type; itslearning reads 1 as School, and its own
#: IMS ES client sends -1 for a hierarchy that is not one.
_LEVELS = {"School": "1"}


def check_key(kind: str, key: str) -> None:
    """itslearning's sync keys: persons and groups at most 64 characters, memberships 255."""
    limit = KEY_LIMITS[kind]
    if not key or len(key) > limit:
        raise SkippableError(f"the sync key must be 1-{limit} characters for a {kind}, not {len(key)}")


def _roles(attrs: Attrs) -> list[str]:
    value = attrs.get("role")
    values = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in values if v is not None and str(v).strip()]


def person(service: Service, attrs: Attrs, roles: dict[str, str]) -> Element:
    """``givenName`` and ``familyName`` are mandatory in itslearning; the first ``role`` is the primary one."""
    given, family = text(attrs, "givenName"), text(attrs, "familyName")
    if not given or not family:
        raise SkippableError("an itslearning person needs givenName and familyName")
    # IMS ES carries no national id: leave it out here, so a bad one cannot fail the person.
    canon = normalize.person({k: v for k, v in attrs.items() if k != "nin"})
    d = service.data
    el = etree.Element(q(service.mess, "person"))
    sub(el, d, "formatName", canon["fn"])
    name = sub(el, d, "name")
    for part, value in (("First", given), ("Last", family)):
        pair = sub(name, d, "partName")
        sub(pair, d, "namePartType", part)
        sub(pair, d, "namePartValue", value)
    if email := canon.get("email"):
        sub(el, COMMON, "email", email)
    if url := canon.get("url"):
        sub(el, COMMON, "URL", url)
    if username := text(attrs, "username") or text(attrs, "feide"):
        sub(sub(el, d, "userId"), COMMON, "userIdValue", username)
    if gender := _GENDERS.get(canon.get("gender", "0")):
        # IMS ES demographics require a gender, before the birthday (never an empty bday:
        # itslearning answers 500 to that); without a known gender neither is sent.
        demographics = sub(el, d, "demographics")
        sub(demographics, d, "gender", gender)
        if bday := canon.get("bday"):
            sub(demographics, d, "bday", bday)
    for i, role in enumerate(_roles(attrs)):
        held = sub(el, d, "institutionRole")
        sub(held, d, "institutionRoleType", vocab.institution_role(role, roles))
        sub(held, d, "primaryRoleType", "true" if i == 0 else "false")
    for teltype, number in canon.get("tel", []):
        tel = sub(el, d, "tel")
        sub(tel, d, "telType", _TEL_TYPES[teltype])
        sub(tel, d, "telValue", number)
    return el


def _field(ext: Element, name: str, value: str, kind: str = "String") -> None:
    found = sub(ext, COMMON, "extensionField")
    sub(found, COMMON, "fieldName", name)
    sub(found, COMMON, "fieldType", kind)
    sub(found, COMMON, "fieldValue", value)


def group(
    service: Service, key: str, attrs: Attrs, default_type: str, types: dict[str, str]
) -> tuple[Element, str | None]:
    """The group element and its parent's key: ``parent`` (else ``school``) is the hierarchy above."""
    name = text(attrs, "name")
    if not name:
        raise SkippableError("an itslearning group needs a name")
    given = text(attrs, "groupType")
    kind = vocab.group_type(given, default_type, types)
    if kind is None:
        raise SkippableError(
            f"groupType: {given!r} is not an itslearning type ({', '.join(vocab.GROUP_TYPES)}) "
            "or a word for one; map it with the group_types setting"
        )
    parent = text(attrs, "parent") or text(attrs, "school")
    parent = None if parent == key else parent  # a PIFU top organisation points to itself
    if kind == "CourseGroup" and not parent:
        raise SkippableError("a CourseGroup needs its course: set parent")
    d = service.data
    el = etree.Element(q(service.mess, "group"))
    group_type = sub(el, d, "groupType")
    sub(group_type, d, "scheme", vocab.GROUP_SCHEME)
    value = sub(group_type, d, "typeValue")
    sub(value, d, "type", kind)
    sub(value, d, "level", _LEVELS.get(kind, "-1"))  # itslearning refuses a type and level that disagree
    if parent:
        rel = sub(el, d, "relationship")
        sub(rel, d, "relation", "Parent")
        identifier(rel, d, "sourceId", parent)
        # IMS GMS requires a label of 1-32 characters: the parent's name, else its key
        sub(rel, d, "label", (text(attrs, "parentName") or parent)[:32])
    desc = sub(el, d, "description")
    sub(desc, d, "descShort", name[:64].rstrip())
    long = text(attrs, "description") or (name if len(name) > 64 else None)
    if long:
        sub(desc, d, "descLong", long[:256])
    if kind == "Course":  # the course fields make itslearning create the course with its hierarchy
        ext = sub(el, d, "extension")
        _field(ext, "course", (text(attrs, "courseTitle") or name)[:64])
        if code := text(attrs, "courseCode"):
            _field(ext, "course/code", code)
        if credits := text(attrs, "credits"):
            _field(ext, "course/credits", credits)
    return el, parent


def role_type(attrs: Attrs) -> tuple[str, str | None]:
    """The ``roleType`` literal and an implied subrole: ``roletype`` (01-08) wins over ``role`` (a word)."""
    code = text(attrs, "roletype")
    if code:
        literal = vocab.ROLE_TYPES.get(code.zfill(2))
        if literal is None:
            raise SkippableError(f"roletype: {code!r} is not one of 01-08")
        return literal, None
    word = text(attrs, "role") or "student"
    if word in vocab.ROLE_TYPES.values():
        return word, None
    found = ROLE_ALIASES.get(squash(word)) or ROLE_ALIASES.get(word.lower())
    if found is None:
        raise SkippableError(f"role: {word!r} has no IMS ES roleType; set roletype (01-08)")
    return vocab.ROLE_TYPES[found[0]], found[1]


def _yes(value: str) -> bool:
    return value.lower() in ("1", "true", "yes", "active", "aktiv")


def membership(service: Service, attrs: Attrs) -> Element:
    """``person`` and ``group`` hold the keys of the objects they join."""
    person_key, group_key = text(attrs, "person"), text(attrs, "group")
    if not person_key or not group_key:
        raise SkippableError("an itslearning membership needs person and group")
    literal, implied = role_type(attrs)
    d = service.data
    el = etree.Element(q(service.mess, "membership"))
    identifier(el, d, "groupSourcedId", group_key)
    member = sub(el, d, "member")
    identifier(member, d, "memberSourcedId", person_key)
    sub(member, d, "idType", "1")
    role = sub(member, d, "role")
    sub(role, d, "roleType", literal)
    if subrole := text(attrs, "subrole") or implied:
        sub(role, d, "subRole", subrole)
    begin, end = _date(attrs, "begin"), _date(attrs, "end")
    if begin or end:
        frame = sub(role, d, "timeFrame")
        for tag, day in (("begin", begin), ("end", end)):
            part = sub(frame, COMMON, tag)
            if day is None:
                part.set(q(XSI, "nil"), "true")  # both are required, and nillable
            else:  # RestrictDateDType: the date, then whether it restricts access
                sub(part, COMMON, "date", day)
                sub(part, COMMON, "restrict", "false")
    if (status := text(attrs, "status")) is not None:
        sub(role, d, "status", "true" if _yes(status) else "false")
    if (home := text(attrs, "homeOrganisation")) is not None:
        _field(sub(role, d, "extension"), "HomeOrganisation", "1" if _yes(home) else "0", "bool")
    return el
