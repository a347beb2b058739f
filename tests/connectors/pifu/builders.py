"""Changes as the engine sends them, for a small county: an owner, a school, pupils, a teacher, groups."""

from __future__ import annotations

import itertools
from typing import Any

from edusync.model.records import Change, Op

_ids = itertools.count(1)


def change(object_type: str, key: str, op: Op = Op.ADD, soft: bool = True, **attrs: Any) -> Change:
    return Change(next(_ids), object_type, key, op, attrs, hash=key, soft=soft)


def owner() -> Change:
    return change("organisation", "org-fylke", name="Måne fylkeskommune", groupType="county", organizationNumber="9")


def school(key: str = "org-skole", name: str = "Måneflekken skole") -> Change:
    return change("organisation", key, name=name, groupType="school", parent="org-fylke", schoolType="videregående")


def pupil(key: str, given: str = "Åse", family: str = "Ødegård", op: Op = Op.ADD, **extra: Any) -> Change:
    attrs = {"givenName": given, "familyName": family, "feide": f"{key}@fylke.no", "role": "student", **extra}
    return change("person", key, op, **attrs)


def klasse(key: str, name: str, op: Op = Op.ADD, **extra: Any) -> Change:
    attrs = {"name": name, "groupType": "basisgruppe", "school": "org-skole", "start": "2025-08-18", **extra}
    return change("group", key, op, **attrs)


def member(key: str, person: str, group: str, role: str = "student", op: Op = Op.ADD, **extra: Any) -> Change:
    return change("membership", key, op, person=person, group=group, role=role, **extra)


def county() -> list[Change]:
    """A first night: everything is new."""
    return [
        owner(),
        school(),
        pupil("per-1", nin="01020312345", email="ase@skole.no", mobile="+47 999 00 099", birthDate="2009-02-01"),
        pupil("per-2", "Ola", "Nordmann", gender="male"),
        change("person", "per-9", givenName="Kari", familyName="Lærer", employeeId="4711", role="teacher"),
        klasse("grp-7a", "7A"),
        klasse("grp-mat", "Matematikk 7", groupType="undervisningsgruppe", adminPeriod="H2025"),
        member("mem-1", "per-1", "grp-7a"),
        member("mem-2", "per-2", "grp-7a"),
        member("mem-3", "per-9", "grp-7a", role="teacher", subrole="faglærer"),
        member("mem-4", "per-1", "grp-mat", begin="2025-08-18", end="2025-12-20"),
        member("mem-5", "per-9", "org-skole", role="rektor"),
    ]
