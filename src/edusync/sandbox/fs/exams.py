"""Build emner and their exams: dates, rooms, candidates, commissions and assessors.

The date fields vary by assessment form the way FS data does: a school exam has
datoEksamenFra/Til, a home exam or an assignment only start/slutt. That variety is what makes a
client's ``datoEksamenFra || start`` fallbacks matter; the scenario adds the rarer shapes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from edusync.sandbox.fs.catalog import FORMS, TITLE_PATTERNS, Area, AssessmentForm
from edusync.sandbox.fs.model import (
    Emne,
    Exam,
    ExamKey,
    Kandidat,
    Kommisjon,
    Person,
    Room,
    Sensor,
    Vurderingsgruppe,
)

OSLO = ZoneInfo("Europe/Oslo")
TERMS: tuple[tuple[int, str, dt.date, dt.date], ...] = (
    (2025, "HØST", dt.date(2025, 11, 24), dt.date(2025, 12, 19)),
    (2026, "VÅR", dt.date(2026, 5, 11), dt.date(2026, 6, 12)),
)
CANDIDATES_PER_COMMISSION = 40


@dataclass(frozen=True, slots=True)
class Pools:
    """The people an exam draws from, per subject area prefix."""

    students: dict[str, list[Person]]
    everyone: list[Person]
    staff: dict[str, list[Person]]
    external: list[Person]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)


class ExamBuilder:
    """Makes ``count`` exams over a set of emner; one instance per university."""

    def __init__(
        self, rng: random.Random, institusjonsnr: int, rooms: list[Room], pools: Pools, buckets: list[int]
    ) -> None:
        self._rng = rng
        self._inst = institusjonsnr
        self._rooms = rooms
        self._pools = pools
        self._buckets = buckets
        self._kommisjon_ids = itertools.count(4001)
        self._gruppe_ids = itertools.count(701)
        self._kandidatnr: dict[str, int] = {}
        self._titles: set[str] = set()

    def build(self, areas: tuple[Area, ...], count: int) -> tuple[list[Emne], list[Exam]]:
        emner: list[Emne] = []
        exams: dict[str, Exam] = {}
        codes: set[str] = set()
        area_cycle = itertools.cycle(areas)
        while len(exams) < count:
            area = next(area_cycle)
            emne = self._emne(area, codes)
            emner.append(emne)
            forms = [self._rng.choices(FORMS, [f.weight for f in FORMS])[0]]
            if self._rng.random() < 0.2:  # some emner have an oral exam on top, or one each term
                forms.append(self._rng.choice(FORMS))
            for form in forms:
                year, term, first, last = self._rng.choice(TERMS)
                key = ExamKey(self._inst, emne.emnekode, emne.versjonskode, form.kode, year, term)
                if key.id not in exams and len(exams) < count:
                    exams[key.id] = self._exam(key, emne, area, form, first, last)
        return emner, sorted(exams.values(), key=lambda e: e.key.id)

    def _emne(self, area: Area, codes: set[str]) -> Emne:
        rng = self._rng
        while True:
            code = f"{area.prefix}{rng.randint(100, 599) * 10}"
            if code not in codes:
                codes.add(code)
                break
        topic = rng.choice(area.topics)
        title = rng.choice(TITLE_PATTERNS).format(t=topic, T=topic.capitalize())
        for suffix in ("", " II", " III", " IV", " V", " VI"):  # keep titles unique, as catalogues do
            if title + suffix not in self._titles:
                title += suffix
                break
        self._titles.add(title)
        return Emne(self._inst, code, "1" if rng.random() < 0.85 else "2", title)

    def _exam(self, key: ExamKey, emne: Emne, area: Area, form: AssessmentForm, first: dt.date, last: dt.date) -> Exam:
        rng = self._rng
        scales, weights = zip(*form.scales, strict=True)
        day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
        if day.weekday() >= 5:
            day -= dt.timedelta(days=day.weekday() - 4)
        fra, til, start, slutt = self._dates(form, day)
        end = (til or slutt or fra or _at(day, 15)).date()
        sensurfrist = end + dt.timedelta(days=21)  # FS's default: three weeks
        exam = Exam(
            key=key,
            emnetittel=emne.emnetittel,
            vurdkombtittel=form.tittel,
            karakterskala=rng.choices(scales, weights)[0],
            dato_eksamen_fra=fra,
            dato_eksamen_til=til,
            start=start,
            slutt=slutt,
            sensurfrist=sensurfrist,
            klagefrist=sensurfrist + dt.timedelta(days=21),
        )
        people = self._candidates(area)
        exam.kommisjoner = self._commissions(area, form, len(people))
        exam.rom = self._pick_rooms(len(people)) if form.in_room else []
        self._fill_groups(exam, people, key.tid)
        return exam

    def _dates(
        self, form: AssessmentForm, day: dt.date
    ) -> tuple[dt.datetime | None, dt.datetime | None, dt.datetime | None, dt.datetime | None]:
        rng = self._rng
        if form.kode == "SKR":
            fra = _at(day, 9)
            til = fra + dt.timedelta(hours=rng.choice((3, 4, 6)))
            both = rng.random() < 0.25  # some school exams carry start/slutt too
            return fra, til, (fra if both else None), (til if both else None)
        if form.kode == "MUNT":
            return _at(day, 8, 30), _at(day, 16), None, None
        if form.kode == "HJEM":
            start = _at(day, 9)
            return None, None, start, start + dt.timedelta(days=rng.choice((1, 3, 7)), hours=5)
        lead = 60 if form.kode == "PRAKS" else 30
        return None, None, _at(day - dt.timedelta(days=lead), 9), _at(day, 14)

    def _candidates(self, area: Area) -> list[Person]:
        rng = self._rng
        size = max(1, round(rng.choice(self._buckets) * rng.uniform(0.7, 1.3)))
        pool = self._pools.students.get(area.prefix) or self._pools.everyone
        if size <= len(pool):
            return rng.sample(pool, size)
        chosen = {p.personlopenummer: p for p in pool}
        for person in rng.sample(self._pools.everyone, min(size, len(self._pools.everyone))):
            if len(chosen) >= size:
                break
            chosen.setdefault(person.personlopenummer, person)
        return list(chosen.values())

    def _commissions(self, area: Area, form: AssessmentForm, n: int) -> list[Kommisjon]:
        rng = self._rng
        staff = self._pools.staff.get(area.prefix) or [p for v in self._pools.staff.values() for p in v]
        result = []
        for i in range(max(1, math.ceil(n / CANDIDATES_PER_COMMISSION))):
            kommisjon = Kommisjon(next(self._kommisjon_ids), f"Kommisjon {i + 1}")
            kommisjon.sensorer.append(Sensor(rng.choice(staff), "INTERN"))
            if form.kode == "MUNT" or rng.random() < 0.4:  # oral exams always have an external
                kommisjon.sensorer.append(Sensor(rng.choice(self._pools.external), "EKSTERN"))
            result.append(kommisjon)
        return result

    def _pick_rooms(self, n: int) -> list[Room]:
        wanted = max(1, min(len(self._rooms), math.ceil(n / 60)))
        return sorted(self._rng.sample(self._rooms, wanted), key=lambda r: r.id)

    def _fill_groups(self, exam: Exam, people: list[Person], tid: str) -> None:
        rng = self._rng
        per_group = 100
        for start in range(0, len(people), per_group):
            gruppe = Vurderingsgruppe(next(self._gruppe_ids), f"Gruppe {start // per_group + 1}")
            exam.vurderingsgrupper.append(gruppe)
            for i, person in enumerate(people[start : start + per_group], start=start):
                self._kandidatnr[tid] = self._kandidatnr.get(tid, 10_000) + rng.randint(1, 3)
                kommisjon = exam.kommisjoner[i // CANDIDATES_PER_COMMISSION] if exam.kommisjoner else None
                room = exam.rom[i % len(exam.rom)] if exam.rom else None
                kandidat = Kandidat(
                    person,
                    str(self._kandidatnr[tid]),
                    kommisjon.id if kommisjon else None,
                    room.id if room else None,
                )
                if exam.end and rng.random() < 0.04:  # dispensation: an individual, later deadline
                    kandidat.innleveringsfrist = extra_time(exam)
                gruppe.kandidater.append(kandidat)


def extra_time(exam: Exam) -> dt.datetime:
    """An individual deadline after the exam's end: an hour at a school exam, a day otherwise."""
    end = exam.end or exam.dato_eksamen_fra or exam.start
    assert end is not None, "an exam always has at least one date"
    return end + (dt.timedelta(hours=1) if exam.dato_eksamen_til else dt.timedelta(days=1))
