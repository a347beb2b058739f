"""From a change to an LDAP entry: object classes, DN and attribute values, and the diff to apply.

Change attributes carry LDAP attribute names (the target's outbound flows choose
them), except for references and the structured GO input, which this module turns
into LDAP values:

- ``org``: key of an organisation → ``eduPersonOrgDN`` (person), ``seeAlso`` (org unit);
- ``school``: key of an org unit → ``eduPersonPrimaryOrgUnitDN`` and one ``eduPersonOrgUnitDN``;
- ``schools``: keys of org units → ``eduPersonOrgUnitDN``;
- ``go_groups``: GO group memberships and ``grep``: Grep URIs → ``eduPersonEntitlement``
  (see :mod:`edusync.connectors.ldap.entitlements`).

An entry is named by the change key, never by a name that can change, so a
rename is a plain modify and a key always finds its entry.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from ldap3 import MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE
from ldap3.utils.dn import escape_rdn, parse_dn

from edusync.connectors.ldap.entitlements import EntitlementError, entitlements
from edusync.connectors.ldap.settings import LdapSettings
from edusync.errors import SkippableError
from edusync.model import fnr
from edusync.model.records import Change

Values = dict[str, list[str]]


@dataclass(frozen=True)
class Layout:
    """How one object type is stored: classes, naming attribute, container and managed attributes."""

    name: str
    classes: tuple[str, ...]
    rdn: str
    container: str  # the LdapSettings field naming the container
    attributes: tuple[str, ...]  # managed: set from the change, replaced or removed when they differ
    required: tuple[str, ...]
    single: frozenset[str]
    dn_valued: frozenset[str] = frozenset()
    inputs: tuple[str, ...] = ()  # change attributes that are not LDAP attributes
    references: dict[str, str] = field(default_factory=dict)


PERSON = Layout(
    name="person",
    classes=("top", "person", "organizationalPerson", "inetOrgPerson", "eduPerson", "norEduPerson"),
    rdn="employeeNumber",
    container="people",
    attributes=(
        "cn",
        "sn",
        "givenName",
        "displayName",
        "mail",
        "mobile",
        "telephoneNumber",
        "uid",
        "preferredLanguage",
        "eduPersonPrincipalName",
        "eduPersonAffiliation",
        "eduPersonPrimaryAffiliation",
        "eduPersonScopedAffiliation",
        "eduPersonEntitlement",
        "eduPersonNickname",
        "eduPersonOrgDN",
        "eduPersonOrgUnitDN",
        "eduPersonPrimaryOrgUnitDN",
        "norEduPersonNIN",
        "norEduPersonLIN",
        "norEduPersonLegalName",
        "norEduPersonBirthDate",
    ),
    required=("cn", "sn"),
    single=frozenset(
        {
            "displayName",
            "preferredLanguage",
            "eduPersonPrincipalName",
            "eduPersonPrimaryAffiliation",
            "eduPersonOrgDN",
            "eduPersonPrimaryOrgUnitDN",
            "norEduPersonNIN",
            "norEduPersonLegalName",
            "norEduPersonBirthDate",
        }
    ),
    dn_valued=frozenset({"eduPersonOrgDN", "eduPersonOrgUnitDN", "eduPersonPrimaryOrgUnitDN"}),
    inputs=("org", "school", "schools", "go_groups", "grep"),
    references={"org": "organisation", "school": "orgunit", "schools": "orgunit"},
)
ORGANISATION = Layout(
    name="organisation",
    classes=("top", "organization", "eduOrg", "norEduOrg"),
    rdn="cn",
    container="organisations",
    attributes=(
        "o",
        "eduOrgLegalName",
        "norEduOrgNIN",
        "norEduOrgUniqueIdentifier",
        "norEduOrgAcronym",
        "norEduOrgSchemaVersion",
        "mail",
        "telephoneNumber",
        "postalAddress",
        "labeledURI",
        "eduOrgHomePageURI",
        "description",
    ),
    required=("o",),
    single=frozenset({"norEduOrgNIN", "norEduOrgUniqueIdentifier", "norEduOrgSchemaVersion"}),
)
ORGUNIT = Layout(
    name="orgunit",
    classes=("top", "organizationalUnit", "norEduOrgUnit"),
    rdn="cn",
    container="units",
    attributes=(
        "ou",
        "norEduOrgUnitUniqueIdentifier",
        "norEduOrgAcronym",
        "mail",
        "telephoneNumber",
        "postalAddress",
        "labeledURI",
        "description",
        "seeAlso",
    ),
    required=("ou",),
    single=frozenset({"norEduOrgUnitUniqueIdentifier"}),
    dn_valued=frozenset({"seeAlso"}),
    inputs=("org",),
    references={"org": "organisation"},
)
LAYOUTS = {layout.name: layout for layout in (ORGANISATION, ORGUNIT, PERSON)}
_ORGNR = re.compile(r"^NO\d{9}$")


@dataclass(frozen=True)
class Entry:
    dn: str
    layout: Layout
    values: Values  # only attributes with values; a managed attribute that is absent is to be removed


def normalise_dn(dn: str) -> str:
    """A DN in the form to compare: attribute types and values lower-cased, no spaces around separators."""
    return ",".join(f"{a.lower()}={v.strip().lower()}" for a, v, _ in parse_dn(dn, escape=True))


def _strings(value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    out: list[str] = []
    for item in items:
        if item is None or item == "":
            continue
        if isinstance(item, dict):
            raise ValueError("a structured value where text was expected")
        out.append(("TRUE" if item else "FALSE") if isinstance(item, bool) else str(item))
    return list(dict.fromkeys(out))


def _birth_date(value: str) -> str:
    text = value.strip().replace("-", "")
    try:
        dt.datetime.strptime(text, "%Y%m%d")  # a calendar date: no time zone
    except ValueError:
        raise ValueError(f"birth date {value!r} is not YYYY-MM-DD or YYYYMMDD") from None
    return text


class Mapper:
    """Names entries and builds their values from changes, for one connector's settings."""

    def __init__(self, settings: LdapSettings) -> None:
        self.settings = settings

    def container(self, object_type: str, *, trash: bool = False) -> str:
        layout = LAYOUTS[object_type]
        home = str(getattr(self.settings, layout.container))
        parts = [home, self.settings.trash] if trash else [home]
        return ",".join([*parts, self.settings.base_dn])

    def dn(self, object_type: str, key: str, *, trash: bool = False) -> str:
        return f"{self.rdn(object_type, key)},{self.container(object_type, trash=trash)}"

    def rdn(self, object_type: str, key: str) -> str:
        return f"{LAYOUTS[object_type].rdn}={escape_rdn(key)}"

    def entry(self, change: Change) -> Entry:
        """The entry a change wants; :class:`SkippableError` names the key and what is wrong."""
        layout = LAYOUTS.get(change.object_type)
        if layout is None:
            raise SkippableError(f"ldap: no object type {change.object_type!r} (known: {', '.join(LAYOUTS)})")
        try:
            values = self._values(layout, change.attrs)
        except (ValueError, EntitlementError) as exc:
            raise SkippableError(f"{change.object_type} {change.key}: {exc}") from None
        missing = [a for a in layout.required if a not in values]
        if missing:
            raise SkippableError(f"{change.object_type} {change.key}: no value for {', '.join(missing)}")
        return Entry(self.dn(layout.name, change.key), layout, values)

    def _values(self, layout: Layout, attrs: dict[str, Any]) -> Values:
        unknown = sorted(set(attrs) - set(layout.attributes) - set(layout.inputs) - layout.dn_valued)
        unknown += sorted(a for a in attrs if a in layout.dn_valued and a not in layout.inputs)
        if unknown:
            known = ", ".join((*layout.attributes, *layout.inputs))
            raise ValueError(f"unknown attribute(s) {', '.join(unknown)}; DNs come from references; known: {known}")
        values: Values = {}
        for name in layout.attributes:
            if name in attrs and name not in layout.dn_valued:
                found = _strings(attrs[name])
                if found:
                    values[name] = found
        self._references(layout, attrs, values)
        if layout is PERSON:
            self._person(attrs, values)
        elif layout is ORGANISATION and "norEduOrgNIN" in values:
            values["norEduOrgNIN"] = [self._orgnr(v) for v in values["norEduOrgNIN"]]
        for name in layout.single:
            if len(values.get(name, [])) > 1:
                raise ValueError(f"{name} takes one value, got {len(values[name])}")
        return values

    def _references(self, layout: Layout, attrs: dict[str, Any], values: Values) -> None:
        def dns(name: str) -> list[str]:
            return [self.dn(layout.references[name], key) for key in _strings(attrs.get(name))]

        if layout is ORGUNIT and dns("org"):
            values["seeAlso"] = dns("org")
        if layout is PERSON:
            org, school, schools = dns("org"), dns("school"), dns("schools")
            if org:
                values["eduPersonOrgDN"] = org
            if school:
                values["eduPersonPrimaryOrgUnitDN"] = school
            if school or schools:
                values["eduPersonOrgUnitDN"] = list(dict.fromkeys(school + schools))

    def _person(self, attrs: dict[str, Any], values: Values) -> None:
        if "cn" not in values:
            name = values.get("displayName") or [" ".join(values.get("givenName", []) + values.get("sn", []))]
            values["cn"] = [n for n in name if n.strip()]
            if not values["cn"]:
                del values["cn"]
        eppn = values.get("eduPersonPrincipalName")
        if eppn:  # Feide stores it lower case
            values["eduPersonPrincipalName"] = [v.lower() for v in eppn]
            if eppn[0].count("@") != 1:
                raise ValueError("eduPersonPrincipalName must be user@realm")
        nin = values.get("norEduPersonNIN")
        if nin and not fnr.is_valid(nin[0]):
            raise ValueError(f"norEduPersonNIN {fnr.mask(nin[0])} is not a valid fødselsnummer or D-number")
        if "norEduPersonBirthDate" in values:
            values["norEduPersonBirthDate"] = [_birth_date(v) for v in values["norEduPersonBirthDate"]]
        primary = values.get("eduPersonPrimaryAffiliation")
        if primary:  # Feide: the primary affiliation is also one of the affiliations
            values["eduPersonAffiliation"] = list(dict.fromkeys(values.get("eduPersonAffiliation", []) + primary))
        if "eduPersonScopedAffiliation" not in values and eppn and "eduPersonAffiliation" in values:
            realm = values["eduPersonPrincipalName"][0].split("@", 1)[1]
            values["eduPersonScopedAffiliation"] = [f"{a}@{realm}" for a in values["eduPersonAffiliation"]]
        groups = attrs.get("go_groups") or []
        if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
            raise ValueError("go_groups must be a list of objects")
        found = entitlements(values.get("eduPersonEntitlement", []), groups, _strings(attrs.get("grep")))
        if found:
            values["eduPersonEntitlement"] = found

    @staticmethod
    def _orgnr(value: str) -> str:
        text = value.strip().upper().replace(" ", "")
        text = "NO" + text if text.isdigit() else text
        if not _ORGNR.match(text):
            raise ValueError(f"norEduOrgNIN {value!r} is not NO and 9 digits")
        return text


def modifications(entry: Entry, actual: Values) -> dict[str, list[tuple[str, list[str]]]]:
    """The modify request that makes ``actual`` (attribute names lower-cased) hold ``entry``.

    Only managed attributes that differ are touched; attributes the connector does
    not manage (a password, say) are left alone. Missing object classes are added.
    """
    changes: dict[str, list[tuple[str, list[str]]]] = {}
    have_classes = {c.lower() for c in actual.get("objectclass", [])}
    missing = [c for c in entry.layout.classes if c.lower() not in have_classes]
    if missing:
        changes["objectClass"] = [(MODIFY_ADD, missing)]
    for name in entry.layout.attributes:
        if name == entry.layout.rdn:
            continue
        want, have = entry.values.get(name, []), actual.get(name.lower(), [])
        if _same(name in entry.layout.dn_valued, want, have):
            continue
        changes[name] = [(MODIFY_REPLACE, want)] if want else [(MODIFY_DELETE, [])]
    return changes


def _same(dn_valued: bool, want: list[str], have: list[str]) -> bool:
    if dn_valued:
        return {normalise_dn(v) for v in want} == {normalise_dn(v) for v in have}
    return set(want) == set(have)
