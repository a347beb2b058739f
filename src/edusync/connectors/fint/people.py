"""eduPerson: who is imported, with which roles, and from which person endpoint.

One eduPerson per natural person (by fødselsnummer), however many roles they have.
The agent reads school by school (basisgrupper, undervisningsgrupper, kontaktlærergrupper,
each with pupils then teachers; then the remaining staff; then the remaining pupils);
the first role met decides the anchor (the elev's or the personalressurs' id) and
whether the person's data comes from /utdanning/elev/person or /administrasjon/personal/person.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from edusync.connectors.fint import criteria as c
from edusync.connectors.fint.clock import oslo_day
from edusync.connectors.fint.graph import Graph, Membership, Obj, ident, period
from edusync.connectors.fint.settings import Filters

Order = tuple[int, int, int, int]
LAST: Order = (1 << 30, 9, 0, 0)
GROUP_KINDS = (("basisgruppe", ("basisgruppe", "klasse")), ("undervisningsgruppe", ("undervisningsgruppe",)),
               ("kontaktlarergruppe", ("kontaktlarergruppe",)))  # fmt: skip


@dataclass
class Person:
    """What the agent knows of one person before it becomes a record."""

    key: str  # the fødselsnummer (never logged)
    elev: Obj | None = None
    elev_person_path: str | None = None
    elevforhold: list[Obj] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    skoleressurs: list[Obj] = field(default_factory=list)
    teaching: list[Obj] = field(default_factory=list)
    roles: set[tuple[str, str]] = field(default_factory=set)  # (role, school path)
    order: Order = LAST
    first_is_pupil: bool = True
    #: The last day a relation that admits this person is valid ("" until one is met; None: no end).
    until: str | None = ""
    #: The last day of each role at its school, and of each membership (an elevforhold's ends it too).
    role_until: dict[tuple[str, str], str | None] = field(default_factory=dict)
    membership_until: dict[str, str | None] = field(default_factory=dict)

    def admitted(self, end: str | None, role: tuple[str, str] | None = None) -> None:
        """One more relation admits the person (to ``role``) until ``end``; the latest end counts."""
        self.until = later(self.until, end)
        if role is not None:
            self.role_until[role] = later(self.role_until.get(role, ""), end)

    def met(self, order: Order, pupil: bool) -> None:
        if order < self.order:
            self.order, self.first_is_pupil = order, pupil


def later(a: str | None, b: str | None) -> str | None:
    """The later of two last days, where None has no end and "" is not yet known."""
    if a is None or b is None:
        return None
    return max(a, b)


def earlier(a: str | None, b: str | None) -> str | None:
    """The earlier of two last days, where None has no end."""
    if a is None or b is None:
        return a if b is None else b
    return min(a, b)


class Reading:
    """The reading order: schools in the order FINT lists them, and each school's groups in link order."""

    def __init__(self, g: Graph) -> None:
        self.school_index: dict[str, int] = {}
        self.group_pos: dict[str, Order] = {}
        for i, school in enumerate(g.of_kind("skole")):
            self.school_index[school["_path"]] = i
            for phase, (_, rels) in enumerate(GROUP_KINDS):
                # v3 and v4 link the same groups by both names; follow the one whose objects were read
                links = next(
                    (g.rel(school, r) for r in rels if g.rel(school, r)[:1] and g.rel(school, r)[0] in g.objects), ()
                )
                for j, path in enumerate(links):
                    self.group_pos.setdefault(path, (i, phase, j, 0))

    def in_group(self, group: str, teacher: bool) -> Order:
        i, phase, j, _ = self.group_pos.get(group, LAST)
        return (i, phase, j, 1 if teacher else 0)

    def rest(self, school: str | None, pupil: bool) -> Order:
        return (self.school_index.get(school or "", 1 << 30), 4 if pupil else 3, 0, 0)


def _person_key(g: Graph, person_path: str | None) -> str | None:
    obj = g.get(person_path)
    return ident(obj, "fodselsnummer") or (person_path.rsplit("/", 1)[-1] if person_path else None)


class PersonBuilder:
    def __init__(self, g: Graph, filters: Filters, today: dt.date) -> None:
        self.g, self.filters, self.today = g, filters, today
        self.reading = Reading(g)
        self.people: dict[str, Person] = {}
        self.by_elevforhold: dict[str, list[Membership]] = defaultdict(list)
        for rows in g.memberships.values():
            for m in rows:
                self.by_elevforhold[m[3]].append(m)

    def _person(self, key: str) -> Person:
        if key not in self.people:
            self.people[key] = Person(key)
        return self.people[key]

    def add_pupil(self, elev: Obj) -> None:
        g = self.g
        person_path = next(iter(g.rel(elev, "person")), None)
        key = _person_key(g, person_path)
        if key is None or g.get(person_path) is None:
            return  # no person behind the link (a 404): who this is cannot be known
        efs = [ef for p in g.rel(elev, "elevforhold") if (ef := g.get(p)) is not None]
        valid = [ef for ef in efs if c.valid_elevforhold(g, ef, self.filters, self.today)]
        if not valid:
            return
        p = self._person(key)
        p.elev, p.elev_person_path, p.elevforhold = elev, person_path, valid
        for ef in valid:
            school = next(iter(g.rel(ef, "skole")), None)
            ends = period(ef)[1]
            p.admitted(ends, ("elevforhold", school) if school else None)
            if school:
                p.roles.add(("elevforhold", school))
            for m in self.by_elevforhold.get(ef["_path"], ()):
                if c.active(m[1], m[2], self.today):
                    p.memberships.append(m)
                    p.membership_until[m[0]] = earlier(m[2], ends)
                    p.met(self.reading.in_group(m[4], teacher=False), pupil=True)
            p.met(self.reading.rest(school, pupil=True), pupil=True)

    def add_staff(self, sr: Obj) -> None:
        g = self.g
        schools = g.rel(sr, "skole")
        if not schools:
            return  # VIGO-BAS does not import a skoleressurs without a school
        personal = g.one(sr, "personalressurs")
        roles: set[tuple[str, str]] = set()
        ends: dict[tuple[str, str], str | None] = {}
        for af_path in g.rel(personal, "arbeidsforhold"):
            af = g.get(af_path)
            school = c.valid_arbeidsforhold(g, af, personal, self.filters, self.today) if af else None
            if school is not None:
                role = ("skoleressurs", school["_path"])
                roles.add(role)
                ends[role] = later(ends.get(role, ""), period(af)[1])
        teaching = [uf for p in g.rel(sr, "undervisningsforhold") if (uf := g.get(p)) and c.teaches(g, uf)]
        for uf in teaching:
            school_path = next(iter(g.rel(uf, "skole")), None)
            if school_path:
                roles.add(("undervisningsforhold", school_path))
        for school_path in schools:
            school = g.get(school_path)
            if school is not None and c.leads_school(g, personal, school):
                roles.add(("skoleressurs", school_path))
                ends[("skoleressurs", school_path)] = None  # leading a school has no end in FINT
        if not roles:
            return
        person_path = next(iter(g.rel(sr, "person") or g.rel(personal, "person")), None)
        key = _person_key(g, person_path)
        if key is None or g.get(person_path) is None:
            return
        p = self._person(key)
        p.skoleressurs.append(sr)
        p.teaching += teaching
        p.roles |= roles
        for role in roles:  # teaching is not dated: a teacher stays while the links do
            p.admitted(ends.get(role), role)
        for uf in teaching:
            for _, rels in GROUP_KINDS:
                for rel in rels:
                    for grp in g.rel(uf, rel):
                        p.met(self.reading.in_group(grp, teacher=True), pupil=False)
        p.met(self.reading.rest(schools[0], pupil=False), pupil=False)

    def build_all(self) -> dict[str, Person]:
        for elev in self.g.of_kind("elev"):
            self.add_pupil(elev)
        for sr in self.g.of_kind("skoleressurs"):
            self.add_staff(sr)
        return self.people


def anchor(g: Graph, p: Person) -> str:
    """ElevPersonalSystemId: the elev's id when the pupil role was read first, else the personalressurs'."""
    if p.elev is not None and (p.first_is_pupil or not p.skoleressurs):
        return str(p.elev["_path"])
    sr = p.skoleressurs[0]
    return next(iter(g.rel(sr, "personalressurs")), sr["_path"])


def school_number(g: Graph, school_path: str) -> str | None:
    return ident(g.get(school_path), "skolenummer")


def contact(obj: Obj | None, prefix: str, out: dict[str, Any]) -> None:
    info = (obj or {}).get("kontaktinformasjon") or {}
    for field_name, attr in (("epostadresse", "Epostadresse"), ("mobiltelefonnummer", "Mobiltelefonnummer"),
                             ("telefonnummer", "Telefonnummer"), ("sip", "Sip"), ("nettsted", "Nettsted")):  # fmt: skip
        value = info.get(field_name)
        if value not in (None, ""):
            out[f"{prefix}Kontaktinformasjon{attr}"] = value


def address(obj: Obj | None, field_name: str, prefix: str, out: dict[str, Any]) -> None:
    """An ``Adresse`` as ``<prefix>Adresselinje``, ``…Postnummer`` and ``…Poststed``."""
    value = (obj or {}).get(field_name) or {}
    for part, attr in (("adresselinje", "Adresselinje"), ("postnummer", "Postnummer"), ("poststed", "Poststed")):
        if value.get(part) not in (None, "", []):
            out[f"{prefix}{attr}"] = value[part]


def date_only(value: Any) -> str | None:
    """A FINT date-time (UTC) as the day it is in Norway."""
    return oslo_day(str(value)) if value else None


def group_period(g: Graph, path: str) -> tuple[str | None, str | None]:
    return period(g.get(path), "periode")
