"""Generate a whole university for the FS sandbox from a seed and a size.

``generate(seed, size)`` is deterministic: the same seed and size give the same people, exams
and scenario, so a bug report can name a seed and be reproduced. The dates are fixed (terms
``2025 HØST`` and ``2026 VÅR``) rather than taken from today, for the same reason.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from edusync.sandbox.fs.catalog import (
    AREAS,
    BUILDINGS,
    EQUIPMENT,
    EXTERNAL_REALMS,
    PROGRAMME_LEVELS,
    ROOM_NAMES,
)
from edusync.sandbox.fs.exams import ExamBuilder, Pools
from edusync.sandbox.fs.model import (
    Emne,
    Exam,
    ExamKey,
    Kull,
    Person,
    Room,
    Studieprogram,
    Studieretning,
    Studierett,
)
from edusync.sandbox.fs.people import PeopleFactory
from edusync.sandbox.fs.scenario import Scenario, stage

INSTITUSJONSNR = 9001  # not a real institution number, so sandbox data cannot be mistaken for one
NAVN = "Universitetet i Sandvoll"
REALM = "sandvoll.example"
REFERENCE_DATE = dt.date(2025, 9, 1)  # the data's "today": studierett that ended before it are past


@dataclass(frozen=True, slots=True)
class SizeSpec:
    areas: int
    levels: int
    students: int
    staff: int
    external: int
    exams: int
    rooms: int
    buckets: tuple[tuple[int, int], ...]  # (candidates per exam, weight)


SIZES: dict[str, SizeSpec] = {
    "small": SizeSpec(2, 2, 90, 10, 3, 12, 4, ((5, 1), (8, 1), (12, 1))),
    "university": SizeSpec(
        22,
        4,
        20_000,
        1_200,
        150,
        1_500,
        60,
        ((10, 18), (20, 22), (35, 20), (60, 17), (100, 12), (180, 8), (350, 3)),
    ),
}


@dataclass(slots=True)
class University:
    seed: int
    size: str
    institusjonsnr: int
    navn: str
    realm: str
    emner: list[Emne]
    exams: dict[str, Exam]
    rooms: list[Room]
    studieprogrammer: list[Studieprogram]
    studieretter: list[Studierett]
    scenario: Scenario

    def exam(self, key: ExamKey) -> Exam | None:
        return self.exams.get(key.id)

    def kull(self) -> list[Kull]:
        return sorted({r.kull for r in self.studieretter}, key=lambda k: (k.studieprogramkode, k.arstall, k.terminkode))


def generate(seed: int = 1, size: str = "small") -> University:
    """Make the university for ``seed`` and ``size`` (``small`` or ``university``)."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    spec = SIZES[size]
    rng = random.Random(f"edusync-fs-{seed}-{size}")
    people = PeopleFactory(rng, seed, REALM)
    areas = AREAS[: spec.areas]
    programmes = _programmes(rng, spec)
    studieretter = [_studierett(rng, people.student(), programmes) for _ in range(spec.students)]
    by_area: dict[str, list[Person]] = {}
    for rett in studieretter:
        by_area.setdefault(rett.studieprogramkode.split("-", 1)[1], []).append(rett.person)
    staff = {a.prefix: [people.employee() for _ in range(max(1, spec.staff // len(areas)))] for a in areas}
    external = [people.employee(rng.choice(EXTERNAL_REALMS)) for _ in range(spec.external)]
    pools = Pools(by_area, [r.person for r in studieretter], staff, external)
    buckets = [n for n, weight in spec.buckets for _ in range(weight)]
    rooms = _rooms(rng, spec.rooms)
    emner, exams = ExamBuilder(rng, INSTITUSJONSNR, rooms, pools, buckets).build(areas, spec.exams)
    scenario = stage(exams)
    return University(
        seed=seed,
        size=size,
        institusjonsnr=INSTITUSJONSNR,
        navn=NAVN,
        realm=REALM,
        emner=sorted(emner, key=lambda e: e.emnekode),
        exams={e.key.id: e for e in exams},
        rooms=rooms,
        studieprogrammer=programmes,
        studieretter=studieretter,
        scenario=scenario,
    )


def _programmes(rng: random.Random, spec: SizeSpec) -> list[Studieprogram]:
    result = []
    for area in AREAS[: spec.areas]:
        for level, pattern, _years in PROGRAMME_LEVELS[: spec.levels]:
            programme = Studieprogram(f"{level}-{area.prefix}", pattern.format(fag=area.fag))
            if level in ("BA", "MA"):
                for topic in sorted(rng.sample(area.topics, rng.randint(1, 3))):
                    code = f"{area.prefix}-{topic.upper().replace(' ', '')[:10]}"
                    programme.studieretninger.append(Studieretning(code, topic.capitalize()))
            result.append(programme)
    return result


def _studierett(rng: random.Random, person: Person, programmes: list[Studieprogram]) -> Studierett:
    weights = {"BA": 50, "MA": 25, "ÅRS": 15, "PHD": 10}
    programme = rng.choices(programmes, [weights[p.kode.split("-")[0]] for p in programmes])[0]
    years = {level: y for level, _pattern, y in PROGRAMME_LEVELS}[programme.kode.split("-")[0]]
    year = REFERENCE_DATE.year - rng.randint(0, years - 1)
    autumn = rng.random() < 0.9
    fra = dt.date(year, 8, 15) if autumn else dt.date(year, 1, 10)
    til: dt.date | None = dt.date(year + years, 6, 30)
    studied = (REFERENCE_DATE - fra).days
    if studied > 60 and rng.random() < 0.06:  # left early: a past membership for the groups API
        til = fra + dt.timedelta(days=rng.randint(30, studied - 1))
    elif rng.random() < 0.1:  # no planned end registered
        til = None
    retning = rng.choice(programme.studieretninger).kode if programme.studieretninger and rng.random() < 0.7 else None
    kull = Kull(programme.kode, year, "HØST" if autumn else "VÅR")
    return Studierett(person, programme.kode, retning, kull, fra, til)


def _rooms(rng: random.Random, count: int) -> list[Room]:
    rooms = []
    for i in range(count):
        code, building = BUILDINGS[i % len(BUILDINGS)]
        number = 100 + i
        rooms.append(Room(f"{code}-{number}", building, f"{rng.choice(ROOM_NAMES)} {number}", rng.choice(EQUIPMENT)))
    return rooms
