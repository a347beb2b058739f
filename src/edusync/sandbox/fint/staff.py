"""Employees: HRM person, personalressurs, arbeidsforhold, skoleressurs, undervisningsforhold.

A school gets a rector (who leads the school's organisasjonselement), teachers
whose undervisningsforhold cover every group of the school, and some
non-teaching staff; a few teachers also work at a second school, a few carry an
ended arbeidsforhold from an earlier job, and the county office has staff with no
school at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import NamedTuple

from edusync.sandbox.fint import curriculum as cur
from edusync.sandbox.fint.county import County, GroupKind, iso
from edusync.sandbox.fint.people import PersonFactory
from edusync.sandbox.fint.records import Arbeidsforhold, Personalressurs, Skoleressurs


class Hire(NamedTuple):
    pr: int
    af: int
    sr: int | None


def hire(
    county: County,
    people: PersonFactory,
    *,
    org: int,
    school: int | None,
    kode: int,
    prosent: int = 10000,
    skoleressurs: bool = True,
    same_as: int | None = None,
) -> Hire:
    """A new employee with one arbeidsforhold at ``org`` (and a skoleressurs at ``school``).

    ``same_as`` names a VIS person (a pupil) who is also this employee: the HRM
    person gets the same fødselsnummer, name and birth date, but HRM's own mobile.
    """
    rng = people.rng
    today = county.today
    pr_pos = len(county.personalressurs)
    if same_as is None:
        born = people.birthday(today.year - rng.randint(24, 66))
        person = people.person(born, pr_pos, mobile_ratio=0.96)
        fnr = people.fodselsnummer(born)
    else:
        pupil = county.person.rows[same_as]
        born = dt.date.fromisoformat(pupil.born)
        person = replace(pupil, owner=pr_pos, mobil=people.mobile())
        fnr = county.person.sid(same_as)
    person_pos = county.hrm_person.add(person, county.stamp, fnr)
    brukernavn = people.username(person, digits=False)
    # Pupils may hold a small job from 15; nobody is hired in the future.
    adult = born + dt.timedelta(days=365 * 15)
    hired = min(today - dt.timedelta(days=30), max(adult, today - dt.timedelta(days=rng.randint(30, 9000))))
    tittel = cur.STILLINGSKODE[kode][1]
    kategori = 0 if prosent >= 5000 else 2
    pr = Personalressurs(
        person_pos,
        str(10_001 + pr_pos),
        brukernavn,
        iso(hired),
        None,
        f"{brukernavn}@{county.domain}",
        person.mobil,
        kategori,
        tittel,
    )
    county.personalressurs.add(pr, county.stamp)
    if rng.random() < 0.05 and len(county.org) > 1:
        # An earlier job in the county that has ended: history a connector must ignore.
        ended = today - dt.timedelta(days=rng.randint(200, 1500))
        old_start = min(hired, ended - dt.timedelta(days=400))
        add_job(county, pr_pos, rng.randrange(len(county.org)), kode, 10000, iso(old_start), iso(ended))
    af = add_job(county, pr_pos, org, kode, prosent, iso(hired), None, hoved=True)
    sr = None
    if skoleressurs:
        feidenavn = f"{brukernavn}@{county.domain}" if rng.random() >= 0.03 else None
        sr = county.skoleressurs.add(Skoleressurs(pr_pos, person_pos, feidenavn), county.stamp)
        pr.skoleressurs = sr
        if school is not None:
            county.join_school(sr, school)
    return Hire(pr_pos, af, sr)


def add_job(
    county: County,
    pr: int,
    org: int,
    kode: int,
    prosent: int,
    start: str,
    slutt: str | None,
    *,
    hoved: bool = False,
    kind: int = cur.TYPE_FAST,
) -> int:
    """An arbeidsforhold for personalressurs ``pr`` at organisasjonselement ``org``."""
    number = f"{10_001 + pr}-{len(county.personalressurs.rows[pr].arbeidsforhold) + 1}"
    tittel = cur.STILLINGSKODE[kode][1]
    return county.add_arbeidsforhold(Arbeidsforhold(pr, org, start, slutt, prosent, hoved, number, tittel, kode, kind))


def staff_school(county: County, people: PersonFactory, school: int, staff: int) -> None:
    """Rector, teachers and other staff for ``school``; every group gets a teacher."""
    rng = people.rng
    org = county.skole.rows[school].org
    rector = hire(county, people, org=org, school=school, kode=cur.KODE_REKTOR)
    county.org.rows[org].leader = rector.pr
    teachers = max(2, round((staff - 1) * 0.8))
    ufs = []
    for _ in range(teachers):
        kode = rng.choice((cur.KODE_LEKTOR, cur.KODE_LEKTOR, cur.KODE_ADJUNKT))
        prosent = rng.choice((10000, 10000, 10000, 8000, 6000))
        got = hire(county, people, org=org, school=school, kode=kode, prosent=prosent)
        assert got.sr is not None
        ufs.append(county.add_undervisningsforhold(got.sr, got.af, school, hovedskole=True))
    for _ in range(max(0, staff - 1 - teachers)):
        kode = rng.choice((cur.KODE_KONSULENT, cur.KODE_RADGIVER))
        hire(county, people, org=org, school=school, kode=kode)
    assign_groups(county, people, school, ufs)


def assign_groups(county: County, people: PersonFactory, school: int, ufs: list[int]) -> None:
    """Spread the school's groups over its teachers; some groups get two."""
    rng = people.rng
    row = county.skole.rows[school]
    kinds: list[GroupKind] = ["basis", "ug", "klg"]
    groups = [(kind, group) for kind in kinds for group in getattr(row, kind)]
    rng.shuffle(groups)
    for i, (kind, group) in enumerate(groups):
        county.teach(ufs[i % len(ufs)], kind, group)
        if kind != "basis" and rng.random() < 0.12:
            county.teach(rng.choice(ufs), kind, group)


def second_school(county: County, people: PersonFactory, sr: int, school: int, *, start: str) -> int:
    """Skoleressurs ``sr`` also teaches at ``school``: a part-time job there and a few groups."""
    rng = people.rng
    ressurs = county.skoleressurs.rows[sr]
    org = county.skole.rows[school].org
    af = add_job(
        county,
        ressurs.pr,
        org,
        cur.KODE_LEKTOR,
        rng.choice((2000, 3000, 4000)),
        start,
        None,
        kind=cur.TYPE_MIDLERTIDIG,
    )
    uf = county.add_undervisningsforhold(sr, af, school, hovedskole=False)
    candidates = county.skole.rows[school].ug
    for group in rng.sample(candidates, min(2, len(candidates))):
        county.teach(uf, "ug", group)
    return uf


def cross_school_teachers(county: County, people: PersonFactory, share: float = 0.05) -> None:
    """A share of teachers also work at another school."""
    rng = people.rng
    if len(county.skole) < 2:
        return
    for uf in range(len(county.uf)):
        if rng.random() >= share:
            continue
        forhold = county.uf.rows[uf]
        other = rng.choice([s for s in range(len(county.skole)) if s != forhold.school])
        if other not in county.skoleressurs.rows[forhold.sr].schools:
            second_school(county, people, forhold.sr, other, start=iso(county.year.start))


def central_staff(county: County, people: PersonFactory, units: list[int], count: int) -> None:
    """County office staff: jobs at units that are not schools, and no skoleressurs."""
    for i in range(count):
        kode = (cur.KODE_KONSULENT, cur.KODE_RADGIVER, cur.KODE_RADGIVER + 1)[i % 3]
        hire(county, people, org=units[i % len(units)], school=None, kode=kode, skoleressurs=False)
