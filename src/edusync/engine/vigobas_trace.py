"""Why FINT gives (or does not give) a person: each VIGO-BAS import criterion, met or failed.

Pure computation over the FINT connector's graph (what one full read holds). It walks the
same relations :class:`edusync.connectors.fint.people.PersonBuilder` walks and asks the same
criteria (:mod:`edusync.connectors.fint.criteria`), in their verdict form, so the sentence a
person reads is the decision the import made. A person is found by any of their FINT ids
(elev, skoleressurs, personalressurs, elevforhold), Feide name, user name, full name or
fødselsnummer; the number is only compared, never part of an answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from edusync.connectors.fint import criteria as c
from edusync.connectors.fint.graph import Graph, Obj, ident
from edusync.connectors.fint.settings import Filters
from edusync.model.verdicts import Verdict


@dataclass
class RoleTrace:
    """One FINT role object (an elev or a skoleressurs) and the verdicts on it."""

    kind: str
    id: str
    verdicts: list[Verdict] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    #: The FINT paths an eduPerson of this role is anchored on (the elev's, or the personalressurs').
    paths: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "roles": self.roles, "verdicts": [v.as_dict() for v in self.verdicts]}


def _full_name(person: Obj | None) -> str:
    name = (person or {}).get("navn") or {}
    return " ".join(str(name[k]) for k in ("fornavn", "mellomnavn", "etternavn") if name.get(k))


def _short_name(person: Obj | None) -> str:
    name = (person or {}).get("navn") or {}
    return " ".join(str(name[k]) for k in ("fornavn", "etternavn") if name.get(k))


def _keys_of(g: Graph, role: Obj, person: Obj | None, extra: list[Obj | None]) -> set[str]:
    """Every key a person may type for this role object, folded to lower case."""
    keys = {str(role["_path"]), c.sid(role)}
    for obj in [role, *extra]:
        if obj is None:
            continue
        keys |= {str(obj["_path"]), c.sid(obj)}
        for name in ("feidenavn", "brukernavn", "elevnummer", "ansattnummer"):
            if ident(obj, name):
                keys.add(str(ident(obj, name)))
    if person is not None:
        keys |= {_full_name(person), _short_name(person)}
        number = ident(person, "fodselsnummer")
        if number:
            keys.add(number)
    return {k.casefold() for k in keys if k}


def _pupil(g: Graph, elev: Obj, filters: Filters, today: dt.date) -> RoleTrace:
    trace = RoleTrace("elev", c.sid(elev), paths=[str(elev["_path"])])
    person_path = next(iter(g.rel(elev, "person")), None)
    if g.get(person_path) is None:
        trace.verdicts.append(Verdict("person", False, f"elev {c.sid(elev)} links no person FINT can give (404)"))
        return trace
    efs = [ef for p in g.rel(elev, "elevforhold") if (ef := g.get(p)) is not None]
    if not efs:
        trace.verdicts.append(Verdict("elevforhold", False, f"elev {c.sid(elev)} has no elevforhold"))
    for ef in efs:
        verdict = c.why_elevforhold(g, ef, filters, today)
        trace.verdicts.append(verdict)
        if verdict.passed and verdict.values.get("skole"):
            trace.roles.append(f"elevforhold@{verdict.values['skole']}")
    return trace


def _staff(g: Graph, sr: Obj, filters: Filters, today: dt.date) -> RoleTrace:
    trace = RoleTrace("skoleressurs", c.sid(sr))
    trace.paths = [*g.rel(sr, "personalressurs"), str(sr["_path"])]
    schools = g.rel(sr, "skole")
    if not schools:
        trace.verdicts.append(Verdict("skole", False, f"skoleressurs {c.sid(sr)} has no skole"))
        return trace
    personal = g.one(sr, "personalressurs")
    found: set[str] = set()
    jobs = [af for p in g.rel(personal, "arbeidsforhold") if (af := g.get(p)) is not None]
    if not jobs:
        trace.verdicts.append(
            Verdict("arbeidsforhold", False, f"personalressurs {c.sid(personal)} has no arbeidsforhold")
        )
    for af in jobs:
        verdict = c.why_arbeidsforhold(g, af, personal, filters, today)
        trace.verdicts.append(verdict)
        if verdict.passed:
            found.add(f"skoleressurs@{verdict.values.get('skole')}")
    for p in g.rel(sr, "undervisningsforhold"):
        uf = g.get(p)
        if uf is None:
            continue
        school = ident(g.one(uf, "skole"), "skolenummer")
        if c.teaches(g, uf):
            trace.verdicts.append(Verdict("undervisningsforhold", True, f"undervisningsforhold {c.sid(uf)} links "
                                          f"classes or groups at skole {school} (an active teacher)"))  # fmt: skip
            found.add(f"undervisningsforhold@{school}")
        else:
            trace.verdicts.append(
                Verdict("undervisningsforhold", False, f"undervisningsforhold {c.sid(uf)} links no class or group")
            )
    for path in schools:
        school_obj = g.get(path)
        if school_obj is not None and c.leads_school(g, personal, school_obj):
            number = ident(school_obj, "skolenummer")
            trace.verdicts.append(Verdict("leder", True, f"leads the unit of skole {number} (a rector)"))
            found.add(f"skoleressurs@{number}")
    trace.roles = sorted(found)
    if not found:
        trace.verdicts.append(Verdict("role", False, f"skoleressurs {c.sid(sr)} gets no role at any school"))
    return trace


def trace_person(g: Graph, filters: Filters, today: dt.date, key: str) -> list[RoleTrace]:
    """The elev and skoleressurs objects ``key`` names, each with every criterion's verdict.

    A key that names one role of a person (their elev id) also brings the person's other roles
    (found through the fødselsnummer both point at), as the import joins them into one eduPerson.
    """
    wanted = key.strip().casefold()
    roles: list[tuple[Obj, Obj | None, str | None]] = []  # (role object, person, fødselsnummer)
    for elev in g.of_kind("elev"):
        person = g.get(next(iter(g.rel(elev, "person")), None))
        efs = [g.get(p) for p in g.rel(elev, "elevforhold")]
        if wanted in _keys_of(g, elev, person, efs):
            roles.append((elev, person, ident(person, "fodselsnummer")))
    for sr in g.of_kind("skoleressurs"):
        personal = g.one(sr, "personalressurs")
        person = g.get(next(iter(g.rel(sr, "person") or g.rel(personal, "person")), None))
        if wanted in _keys_of(g, sr, person, [personal]):
            roles.append((sr, person, ident(person, "fodselsnummer")))
    numbers = {n for _, _, n in roles if n}
    if numbers:  # the person's other roles
        for kind in ("elev", "skoleressurs"):
            for obj in g.of_kind(kind):
                if any(obj is r for r, _, _ in roles):
                    continue
                rel = g.rel(obj, "person") or g.rel(g.one(obj, "personalressurs"), "person")
                if ident(g.get(next(iter(rel), None)), "fodselsnummer") in numbers:
                    roles.append((obj, None, None))
    out = []
    for obj, _, _ in roles:
        if obj["_kind"] == "elev":
            out.append(_pupil(g, obj, filters, today))
        else:
            out.append(_staff(g, obj, filters, today))
    return out


def imported(traces: list[RoleTrace]) -> Verdict:
    """The import's conclusion: a person with a role is an eduPerson, one without none is not."""
    roles = sorted({r for t in traces for r in t.roles})
    if roles:
        return Verdict("imported", True, f"FINT gives this person the roles {', '.join(roles)}", {"roles": roles})
    if not traces:
        return Verdict("imported", False, "FINT has no elev or skoleressurs with this key")
    return Verdict("imported", False, "FINT gives this person no role, so the import leaves them out")
