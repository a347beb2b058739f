"""Pupils, their school relations, classes and teaching groups.

Used by the generator to fill a school and by the simulated day to enrol a
newcomer, so both produce the same shapes: one elevforhold per school, a
membership in the class (basisgruppe/klasse), its contact-teacher group, the
class's common subjects and a few electives.
"""

from __future__ import annotations

import datetime as dt
import uuid

from edusync.sandbox.fint.county import County, GroupKind, iso
from edusync.sandbox.fint.curriculum import COMMON, ELECTIVE_PICKS, ELECTIVES, FAG, PROGRAMMES, TRINN
from edusync.sandbox.fint.people import PersonFactory
from edusync.sandbox.fint.records import Elev, Elevforhold, Group

#: Pupils per class and per elective group; real classes are capped near 30.
CLASS_SIZE = 27
ELECTIVE_SIZE = 28
#: Shares of pupils on VG1, VG2 and VG3 (drop-out thins the later years).
TRINN_SHARE = (0.36, 0.33, 0.31)


def create_group(
    county: County,
    kind: GroupKind,
    navn: str,
    beskrivelse: str,
    school: int,
    *,
    trinn: int | None = None,
    fag: int | None = None,
) -> int:
    """A group of ``kind`` at ``school`` for this school year; links trinn/fag both ways."""
    table, _ = county.group_tables(kind)
    year = county.year
    group = Group(navn, beskrivelse, school, county.current_skolear, iso(year.start), iso(year.end), trinn=trinn)
    pos = table.add(group, county.stamp)
    getattr(county.skole.rows[school], kind).append(pos)
    county.touch(county.skole, school)
    if trinn is not None and kind == "basis":
        county.trinn.rows[trinn].groups.append(pos)
        county.touch(county.trinn, trinn)
    if fag is not None:
        group.fag.append(fag)
        subject = county.fag.rows[fag]
        subject.groups.append(pos)
        if school not in subject.schools:
            subject.schools.append(school)
            county.skole.rows[school].fag.append(fag)
        county.touch(county.fag, fag)
    return pos


def create_class(county: County, school: int, trinn: int, navn: str) -> int:
    """A class (basisgruppe) with its contact-teacher group and common subject groups."""
    year = county.year.navn
    basis = create_group(county, "basis", navn, f"Basisgruppe {navn} {year}", school, trinn=trinn)
    klg = create_group(county, "klg", f"{navn}-KL", f"Kontaktlærergruppe {navn}", school)
    county.basis.rows[basis].related.append(klg)
    county.klg.rows[klg].related.append(basis)
    common = []
    for fag in COMMON[trinn]:
        kode, fagnavn = FAG[fag]
        common.append(create_group(county, "ug", f"{navn}/{kode}", f"{fagnavn} {navn}", school, fag=fag))
    county.class_groups[basis] = common
    return basis


def elective_group(county: County, school: int, trinn: int, fag: int) -> int:
    """The open elective group for ``fag``; a new one when the last is full."""
    groups = county.electives.setdefault((school, trinn, fag), [])
    if groups and len(county.ug.rows[groups[-1]].members) < ELECTIVE_SIZE:
        return groups[-1]
    kode, fagnavn = FAG[fag]
    navn = f"{TRINN[trinn][0]}/{kode}-{len(groups) + 1}"
    groups.append(create_group(county, "ug", navn, f"{fagnavn} {TRINN[trinn][0]}", school, fag=fag))
    return groups[-1]


def add_pupil(
    county: County,
    people: PersonFactory,
    *,
    school: int,
    klasse: int,
    born: dt.date,
    start: str,
    slutt: str | None,
    kategori: int = 0,
) -> tuple[int, int]:
    """A new pupil (person, elev) enrolled in ``klasse``; returns (elev, elevforhold)."""
    rng = people.rng
    elev_pos = len(county.elev)
    person = people.person(born, elev_pos)
    person_pos = county.person.add(person, county.stamp, people.fodselsnummer(born))
    brukernavn = people.username(person, digits=True)
    # About one in thirty pupils has no Feide name yet: it is written back later.
    feidenavn = f"{brukernavn}@{county.domain}" if rng.random() >= 0.03 else None
    elev = Elev(
        person_pos,
        brukernavn,
        str(200_001 + elev_pos),
        feidenavn,
        f"{brukernavn}@elev.{county.domain}",
        person.mobil,
    )
    county.elev.add(elev, county.stamp, str(uuid.UUID(int=rng.getrandbits(128), version=4)))
    ef = enroll(county, people, elev_pos, klasse, start, slutt, kategori=kategori)
    return elev_pos, ef


def enroll(
    county: County,
    people: PersonFactory,
    elev: int,
    klasse: int,
    start: str,
    slutt: str | None,
    *,
    kategori: int = 0,
    hovedskole: bool = True,
) -> int:
    """An elevforhold at the class's school with all its memberships; returns its position."""
    group = county.basis.rows[klasse]
    school, trinn = group.school, group.trinn if group.trinn is not None else 0
    forhold = Elevforhold(elev, school, start, slutt, hovedskole, kategori, county.current_skolear)
    ef = county.elevforhold.add(forhold, county.stamp)
    county.elev.rows[elev].forhold.append(ef)
    county.skole.rows[school].elevforhold.append(ef)
    county.touch(county.elev, elev)
    county.touch(county.skole, school)
    county.add_membership("basis", klasse, ef, start, slutt)
    for klg in group.related:
        county.add_membership("klg", klg, ef, start, slutt)
    for ug in county.class_groups.get(klasse, ()):
        county.add_membership("ug", ug, ef, start, slutt)
    offered = county.offered.get((school, trinn), ELECTIVES[trinn])
    for fag in people.rng.sample(offered, min(ELECTIVE_PICKS[trinn], len(offered))):
        county.add_membership("ug", elective_group(county, school, trinn, fag), ef, start, slutt)
    return ef


def populate_school(county: County, people: PersonFactory, school: int, pupils: int) -> None:
    """Classes on each trinn and ``pupils`` pupils spread over them."""
    rng = people.rng
    year = county.year
    start, slutt = iso(year.start), iso(year.end)
    for trinn, share in enumerate(TRINN_SHARE):
        count = max(1, round(pupils * share))
        # A school offers as many electives as its pupils can fill (about 20 a group).
        offered = max(ELECTIVE_PICKS[trinn] + 2, count * ELECTIVE_PICKS[trinn] // 20)
        pool = ELECTIVES[trinn]
        county.offered[(school, trinn)] = tuple(sorted(rng.sample(pool, min(offered, len(pool)))))
        letters: dict[str, int] = {}
        classes = []
        for _ in range(max(1, round(count / CLASS_SIZE))):
            programme = rng.choice(PROGRAMMES)
            letters[programme] = letters.get(programme, 0) + 1
            navn = f"{trinn + 1}{programme}{chr(64 + letters[programme])}"
            classes.append(create_class(county, school, trinn, navn))
        for i in range(count):
            draw = rng.random()
            # Mostly ordinary pupils; a few adults, apprentices-in-school and external candidates.
            kategori = 0 if draw < 0.97 else 3 if draw < 0.985 else 1 if draw < 0.995 else 2
            age = 16 + trinn if kategori != 3 else rng.randint(20, 45)
            born = people.birthday(year.start.year - age)
            add_pupil(
                county,
                people,
                school=school,
                klasse=classes[i % len(classes)],
                born=born,
                start=start,
                slutt=slutt,
                kategori=kategori,
            )
