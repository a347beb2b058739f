"""Metaverse objects → Feide group and membership objects. Pure: plain objects in, JSON-ready dicts out.

Shapes follow docs.feide.no (groups API, group types, groups data model):

- ``fc:org`` ``fc:org:<realm>``; ``fc:orgunit`` ``fc:org:<realm>:unit:<orgnr>``, parent the org;
- ``fc:gogroup`` ``fc:gogroup:<realm>:<b|u|a>:<orgnr>:<local id>:<start>:<end>``, parent its school,
  with ``go_type``, ``go_type_displayName`` and, for teaching groups, ``grep``;
- ``fc:fs:prg|str|emne`` ``fc:fs:fs:<type>:<realm>:<code>[:<version>]``, parent the org;
  ``fc:fs:kull`` ``fc:fs:fs:kull:<realm>:<prg>:<year><H|V>``, parent its programme.

Memberships: GO groups carry ``basic`` (admin for faculty), ``displayName`` and ``affiliation``;
FS groups carry ``basic`` (owner for staff), ``active``, ``displayName``, ``fsroles``,
``notBefore``/``notAfter`` and, for ``fc:fs:emne``, ``subjectRelations``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from edusync.config.groupsapi import GroupsApiConfig
from edusync.groupsapi.ids import feide_time, fs_id, org_id, parse_instant, unit_id, within
from edusync.model import feide_go

Json = dict[str, Any]
LIVE = frozenset({"active", "grace"})  # grace: still provisioned (one bad night removes nobody)

GO_TYPE_NAMES = {"b": "basisgruppe", "u": "undervisningsgruppe", "a": "andre grupper"}
GO_ROLE_NAMES = {"faculty": "Lærer", "staff": "Stab", "employee": "Ansatt", "student": "Elev",
                 "affiliate": "Ekstern", "member": "Annet"}  # fmt: skip
HE_ROLE_NAMES = {"faculty": "Akademisk ansatt", "staff": "Stab", "employee": "Ansatt", "student": "Student",
                 "alum": "Alumni", "affiliate": "Tilknyttet", "member": "Annet"}  # fmt: skip
ROLE_ORDER = ("faculty", "staff", "employee", "student", "alum", "affiliate", "member")
OWNERS = frozenset({"faculty", "staff", "employee"})
GROUP_TYPES = (
    ("fc:org", "Organisasjon", "Organization"),
    ("fc:orgunit", "Organisasjonsenhet", "Organizational unit"),
    ("fc:gogroup", "Gruppe i grunnopplæringen", "Primary and secondary education group"),
    ("fc:fs:prg", "Studieprogram", "Study programme"),
    ("fc:fs:str", "Studieretning", "Field of study"),
    ("fc:fs:kull", "Kull", "Cohort"),
    ("fc:fs:emne", "Emne", "Course"),
)
FS_TYPE_NAMES = {"prg": "fc:fs:prg", "str": "fc:fs:str", "kull": "fc:fs:kull", "emne": "fc:fs:emne"}
TERMS = {"VÅR": ("01-01", "07-31"), "HØST": ("08-01", "12-31")}


class Skip(ValueError):
    """A metaverse object the API leaves out; the message says what it lacks."""


@dataclass(frozen=True, slots=True)
class Mv:
    """A metaverse object as the mapping reads it."""

    id: str
    attrs: Mapping[str, Any]
    state: str = "active"


@dataclass(frozen=True)
class Group:
    """A Feide group; ``body`` is its JSON without ``membership``."""

    id: str
    type: str
    family: str  # org, orgunit, go or fs: which membership shape it takes
    realm: str
    body: Json
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    archived: bool = False

    def valid(self, now: dt.datetime) -> bool:
        return not self.archived and within(now, self.start, self.end)


@dataclass(frozen=True)
class Membership:
    body: Json
    active: bool  # shown without showAll
    rank: tuple[bool, int, str]  # of several memberships in one group, the highest is shown


def text(attrs: Mapping[str, Any], name: str) -> str | None:
    """An attribute as one stripped text (the first of a list), or None."""
    value = attrs.get(name)
    if isinstance(value, list | tuple):
        value = next((v for v in value if v not in (None, "")), None)
    if value is None or isinstance(value, dict):
        return None
    return str(value).strip() or None


class Mapper:
    """Builds groups and memberships for one ``groups_api`` configuration."""

    def __init__(self, config: GroupsApiConfig) -> None:
        self.config = config
        self.zone = ZoneInfo(config.time_zone)

    # -- groups ------------------------------------------------------------------------------

    def org(self, realm: str, name: str | None, org_type: list[str]) -> Group:
        body: Json = {"id": org_id(realm), "type": "fc:org", "displayName": name or realm, "public": True}
        if org_type:
            body["orgType"] = list(org_type)
        return Group(body["id"], "fc:org", "org", realm, body)

    def school(self, realm: str, school: Mv) -> Group:
        orgnr = self._orgnr(school)
        gid = unit_id(realm, orgnr)
        name = text(school.attrs, "displayName") or text(school.attrs, "name") or orgnr
        body: Json = {"id": gid, "type": "fc:orgunit", "displayName": name, "parent": org_id(realm), "public": True}
        return Group(gid, "fc:orgunit", "orgunit", realm, body, archived=school.state not in LIVE)

    def go(self, realm: str, group: Mv, kind: str, school: Mv | None) -> Group:
        cfg, attrs = self.config.go, group.attrs
        if school is None:
            raise Skip(f"its school ({cfg.school_attribute}) is not a known organisation")
        local = text(attrs, cfg.local_id_attribute)
        start, end = text(attrs, cfg.start_attribute), text(attrs, cfg.end_attribute)
        if not local or not start or not end:
            raise Skip(f"a GO group needs {cfg.local_id_attribute}, {cfg.start_attribute} and {cfg.end_attribute}")
        orgnr = self._orgnr(school)
        try:
            gid = feide_go.api_id(realm, kind, orgnr, local, start[:10], end[:10])
        except feide_go.EntitlementError as exc:
            raise Skip(str(exc)) from None
        begin, until = parse_instant(start[:10], self.zone), parse_instant(end[:10], self.zone, end=True)
        body: Json = {
            "id": gid,
            "type": "fc:gogroup",
            "displayName": self._name(attrs, cfg.name_attributes) or local,
            "notBefore": feide_time(begin),
            "notAfter": feide_time(until),
            "go_type": kind,
            "parent": unit_id(realm, orgnr),
            "go_type_displayName": GO_TYPE_NAMES[kind],
        }
        code = text(attrs, cfg.grep_code_attribute)
        if kind == "u" and code:
            body["grep"] = {"displayName": text(attrs, cfg.grep_name_attribute) or code, "code": code}
        return Group(gid, "fc:gogroup", "go", realm, body, begin, until, archived=group.state not in LIVE)

    def fs(self, realm: str, group: Mv, kind: str) -> Group:
        cfg, attrs = self.config.fs, group.attrs
        code = text(attrs, cfg.code_attribute)
        if not code:
            raise Skip(f"an FS group needs {cfg.code_attribute}")
        parent = org_id(realm)
        if kind == "prg":
            gid, short = fs_id("prg", realm, code), code
        elif kind == "str":  # FS's studieretningkode is unique on its own; the anchor adds the programme
            short = code.rsplit(",", 1)[-1]
            gid = fs_id("str", realm, short)
        else:
            parts = code.split(",")
            if len(parts) != 3 or not parts[1].isdigit() or not parts[2]:
                raise Skip(f"kull {code!r} is not PROGRAMME,YYYY,TERM")
            programme, year, term = parts
            short = f"{year}{term.strip()[:1].upper()}"
            gid, parent = fs_id("kull", realm, programme, short), fs_id("prg", realm, programme)
        name = text(attrs, cfg.name_attribute) or code
        return self._fs_group(realm, FS_TYPE_NAMES[kind], gid, name, short, parent, group.state)

    def emne(self, realm: str, exam: Mv) -> Group:
        attrs = exam.attrs
        key = (text(attrs, "examId") or "").split("|")
        code = text(attrs, "emnekode") or (key[1] if len(key) > 2 else None)
        version = text(attrs, "versjonskode") or (key[2] if len(key) > 2 else None)
        if not code or not version:
            raise Skip("an exam needs an FS exam key institusjonsnr|emnekode|versjonskode|…")
        gid = fs_id("emne", realm, code, version)
        name = text(attrs, "title") or code
        return self._fs_group(realm, "fc:fs:emne", gid, name, code, org_id(realm), exam.state)

    def _fs_group(self, realm: str, kind: str, gid: str, name: str, code: str, parent: str, state: str) -> Group:
        body: Json = {"id": gid, "type": kind, "displayName": name}
        template = self.config.fs.urls.get(kind)
        if template:
            body["url"] = template.format(realm=realm, code=code, code_lower=code.lower())
        body["parent"] = parent
        return Group(gid, kind, "fs", realm, body, archived=state not in LIVE)

    def _orgnr(self, school: Mv) -> str:
        try:
            return feide_go.orgnr(text(school.attrs, self.config.go.school_orgnr_attribute))
        except feide_go.EntitlementError as exc:
            raise Skip(f"school {school.id}: {exc}") from None

    @staticmethod
    def _name(attrs: Mapping[str, Any], names: list[str]) -> str | None:
        return next((v for n in names if (v := text(attrs, n))), None)

    # -- memberships -------------------------------------------------------------------------

    def affiliation(self, role: str | None) -> str:
        return self.config.roles.affiliations.get((role or "").strip().lower(), "member")

    def term(self, value: str | None) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The months of an FS term (``2026 VÅR``): when an exam's candidates are its course's students."""
        year, _, name = (value or "").strip().partition(" ")
        months = TERMS.get(name.strip().upper())
        if not year.isdigit() or months is None:
            return None, None
        begin, end = months
        return parse_instant(f"{year}-{begin}", self.zone), parse_instant(f"{year}-{end}", self.zone, end=True)

    def membership(
        self, group: Group, role: str | None, begin: Any, end: Any, state: str, now: dt.datetime
    ) -> Membership:
        """One person's membership of ``group`` (FS or GO) from the metaverse membership's values."""
        start = begin if isinstance(begin, dt.datetime) else parse_instant(begin, self.zone)
        until = end if isinstance(end, dt.datetime) else parse_instant(end, self.zone, end=True)
        affiliation = self.affiliation(role)
        active = state in LIVE and group.valid(now) and within(now, start, until)
        if group.family == "go":
            basic = "admin" if affiliation == "faculty" else "member"
            body: Json = {"basic": basic, "displayName": GO_ROLE_NAMES.get(affiliation, role or affiliation)}
            body["affiliation"] = affiliation
        else:
            basic = "owner" if affiliation in OWNERS else "member"
            fsroles = self.config.roles.fsroles.get(affiliation) or [(role or affiliation).upper()]
            body = {"basic": basic, "active": active, "displayName": HE_ROLE_NAMES.get(affiliation, role or "")}
            body["fsroles"] = list(fsroles)
            if start:
                body["notBefore"] = feide_time(start)
            if until:
                body["notAfter"] = feide_time(until)
            relation = self.config.fs.emne_subject_relation
            if group.type == "fc:fs:emne" and relation:
                body["subjectRelations"] = relation
        return Membership(body, active, (active, 0 if basic == "member" else 1, feide_time(until) or "~"))

    def org_membership(self, group: Group, affiliations: list[str], primary: str | None) -> Membership:
        """``fc:org``: the person's affiliations (admin for employees, as Feide)."""
        found = [a for a in ROLE_ORDER if a in affiliations] + [a for a in affiliations if a not in ROLE_ORDER]
        names = GO_ROLE_NAMES if "higher_education" not in group.body.get("orgType", []) else HE_ROLE_NAMES
        body: Json = {"basic": "admin" if "employee" in found else "member", "affiliation": found}
        if primary:
            body["primaryAffiliation"] = primary
        if found:
            body["displayName"] = names.get(found[0], found[0])
        return Membership(body, True, (True, 0, "~"))

    @staticmethod
    def unit_membership(primary: bool) -> Membership:
        return Membership({"basic": "member", "primaryOrgUnit": primary}, True, (True, int(primary), "~"))
