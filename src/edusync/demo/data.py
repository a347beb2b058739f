"""Synthetic school-owner data for the files connector: schools, pupils, staff, groups, memberships.

Deterministic for a seed. The same generator feeds ``edusync demo``, ``edusync init``
and ``edusync bench`` (where it must write a county of 1.5 million memberships fast).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from faker import Faker

from edusync.model import fnr

SIZES = {
    # persons, schools, groups, memberships
    "demo": (300, 3, 24, 3000),
    "small": (2_000, 10, 400, 30_000),
    "county": (20_000, 50, 4_000, 300_000),
    "county-l": (100_000, 250, 20_000, 1_500_000),
    # Twice county-l: does a night of the same changes cost the same in a county twice the size?
    "county-2l": (200_000, 500, 40_000, 3_000_000),
}

PERSON_COLS = ["id", "fnr", "firstname", "lastname", "feide", "email", "role", "school"]
ORG_COLS = ["id", "name", "number"]
GROUP_COLS = ["id", "name", "type", "school"]
MEMBER_COLS = ["id", "person", "group", "role"]


@dataclass
class County:
    orgs: list[list[str]] = field(default_factory=list)
    persons: list[list[str]] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)
    memberships: list[list[str]] = field(default_factory=list)


def _names(faker: Faker, rng: random.Random, n: int) -> tuple[list[str], list[str]]:
    """Pools of first and last names; drawing from pools keeps 100 000 persons fast."""
    first = list({faker.first_name() for _ in range(min(n, 600))})
    last = list({faker.last_name() for _ in range(min(n, 600))})
    return first, last


def generate(size: str = "demo", seed: int = 1) -> County:
    persons_n, schools_n, groups_n, members_n = SIZES[size]
    rng = random.Random(seed)
    faker = Faker("no_NO")
    faker.seed_instance(seed)
    first, last = _names(faker, rng, persons_n)
    county = County()
    for s in range(schools_n):
        kind = "videregående skole" if s % 3 == 0 else "skole"
        county.orgs.append([f"S{s + 1:04d}", f"{faker.city()} {kind}", f"{10000 + s}"])
    teachers_n = max(schools_n, persons_n // 12)
    for p in range(persons_n):
        teacher = p < teachers_n
        school = county.orgs[p % schools_n][0]
        born = (
            dt.date(1970 + rng.randint(0, 30), 1 + rng.randint(0, 11), 1 + rng.randint(0, 27))
            if teacher
            else dt.date(2008 + rng.randint(0, 10), 1 + rng.randint(0, 11), 1 + rng.randint(0, 27))
        )
        fn, ln = rng.choice(first), rng.choice(last)
        pid = f"P{p + 1:07d}"
        user = f"{pid.lower()}"
        county.persons.append(
            [
                pid,
                fnr.generate(born, rng),
                fn,
                ln,
                f"{user}@fylke.no",
                f"{user}@skole.fylke.no",
                "teacher" if teacher else "student",
                school,
            ]
        )
    per_school = max(1, groups_n // schools_n)
    for g in range(groups_n):
        school = county.orgs[(g // per_school) % schools_n][0]
        basis = g % 4 == 0
        name = f"{1 + g % 10}{'ABCDEFGH'[g % 8]}" if basis else f"{rng.choice(['MAT', 'NOR', 'ENG', 'NAT'])}{g}"
        county.groups.append([f"G{g + 1:06d}", name, "basisgruppe" if basis else "undervisningsgruppe", school])
    pupils = [p for p in county.persons if p[6] == "student"]
    teachers = [p for p in county.persons if p[6] == "teacher"]
    seen: set[tuple[str, str]] = set()
    m = 0
    while m < members_n:
        group = county.groups[m % groups_n]
        is_teacher = m % 15 == 0
        person = rng.choice(teachers if is_teacher else pupils)
        if (person[0], group[0]) in seen:
            continue
        seen.add((person[0], group[0]))
        m += 1
        county.memberships.append([f"M{m:08d}", person[0], group[0], "teacher" if is_teacher else "student"])
    return county


def write(county: County, folder: Path) -> None:
    """Write the four CSV files (written whole to a temp name, then renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, cols, rows in (
        ("orgs", ORG_COLS, county.orgs),
        ("persons", PERSON_COLS, county.persons),
        ("groups", GROUP_COLS, county.groups),
        ("memberships", MEMBER_COLS, county.memberships),
    ):
        tmp = folder / f".{name}.csv.tmp"
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(cols)
            writer.writerows(rows)
        tmp.replace(folder / f"{name}.csv")


def read(folder: Path) -> County:
    county = County()
    for name in ("orgs", "persons", "groups", "memberships"):
        with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))[1:]
        setattr(county, name, rows)
    return county
