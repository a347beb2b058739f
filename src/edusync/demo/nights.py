"""What a night does to the source: the ordinary churn, a broken export, and the benchmark's 1 % delta."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from faker import Faker

from edusync.demo.data import County
from edusync.model import fnr


@dataclass
class NightLog:
    """What changed, in words a person reads in the demo."""

    lines: list[str] = field(default_factory=list)


def ordinary_night(county: County, rng: random.Random) -> NightLog:
    """A pupil leaves, one arrives, a class is renamed, a teacher changes school."""
    log = NightLog()
    pupils = [p for p in county.persons if p[6] == "student"]
    leaver = rng.choice(pupils)
    county.persons.remove(leaver)
    county.memberships = [m for m in county.memberships if m[1] != leaver[0]]
    log.lines.append(f"pupil {leaver[2]} {leaver[3]} ({leaver[0]}) left")

    faker = Faker("no_NO")
    faker.seed_instance(rng.randint(0, 10**6))
    new_id = f"P{max(int(p[0][1:]) for p in county.persons) + 1:07d}"
    born = dt.date(2012, 5, 17)
    school = rng.choice(county.orgs)[0]
    county.persons.append(
        [
            new_id,
            fnr.generate(born, rng),
            faker.first_name(),
            faker.last_name(),
            f"{new_id.lower()}@fylke.no",
            f"{new_id.lower()}@skole.fylke.no",
            "student",
            school,
        ]
    )
    groups = [g for g in county.groups if g[3] == school][:3]
    next_m = max(int(m[0][1:]) for m in county.memberships) + 1
    for i, g in enumerate(groups):
        county.memberships.append([f"M{next_m + i:08d}", new_id, g[0], "student"])
    log.lines.append(
        f"pupil {county.persons[-1][2]} {county.persons[-1][3]} ({new_id}) arrived, in {len(groups)} groups"
    )

    basis = next(g for g in county.groups if g[2] == "basisgruppe")
    old = basis[1]
    basis[1] = f"{old}-ny"
    log.lines.append(f"class {old} ({basis[0]}) renamed to {basis[1]}")

    teacher = next(p for p in county.persons if p[6] == "teacher")
    moved_from = teacher[7]
    teacher[7] = next(o[0] for o in county.orgs if o[0] != moved_from)
    log.lines.append(f"teacher {teacher[2]} {teacher[3]} ({teacher[0]}) moved from {moved_from} to {teacher[7]}")
    return log


def broken_night(county: County, share: float = 1 / 3) -> NightLog:
    """The export lost a share of the pupils: the kind of night the gate exists for."""
    pupils = [p for p in county.persons if p[6] == "student"]
    lost = {p[0] for p in pupils[: int(len(pupils) * share)]}
    county.persons = [p for p in county.persons if p[0] not in lost]
    return NightLog([f"the source export lost {len(lost)} of {len(pupils)} pupils"])


def percent_delta(county: County, rng: random.Random, percent: float = 1.0) -> NightLog:
    """Change ``percent`` of persons (e-mail) and of memberships (role), as the benchmark's delta."""
    n_people = max(1, int(len(county.persons) * percent / 100))
    n_members = max(1, int(len(county.memberships) * percent / 100))
    return _change(county, rng, n_people, n_members)


def fixed_delta(county: County, rng: random.Random, changes: int = 1000) -> NightLog:
    """Change ``changes`` objects, persons and memberships in the county's proportion, whatever its size."""
    n_people = max(1, round(changes * len(county.persons) / (len(county.persons) + len(county.memberships))))
    return _change(county, rng, n_people, changes - n_people)


def _change(county: County, rng: random.Random, n_people: int, n_members: int) -> NightLog:
    for p in rng.sample(county.persons, n_people):
        p[5] = p[5].replace("@", ".x@", 1)
    for m in rng.sample(county.memberships, n_members):
        m[3] = "teacher" if m[3] == "student" else "student"
    return NightLog([f"{n_people} persons and {n_members} memberships changed"])
