"""A simulated school day: the clock moves one day and the county changes a little.

Per day (counts grow with the county): pupils leave (their elevforhold and
memberships end today), pupils arrive (new person, elev, elevforhold and
memberships), a class is renamed, a teacher moves to another school (old job
ends, new job and undervisningsforhold), a teacher takes extra groups at a
second school, a pupil changes surname and some people change mobile number.

Every object whose FINT form changes is stamped with one new stamp, so
``?sinceTimeStamp=<last-updated before the day>`` returns exactly the day's
additions and modifications. Deletions are not signalled (FINT does not).
The day's random choices are seeded from the county seed and the date, so the
same county advanced over the same dates changes the same way.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from edusync.sandbox.fint.county import County, iso
from edusync.sandbox.fint.pupils import add_pupil
from edusync.sandbox.fint.staff import add_job, second_school


@dataclass
class DayReport:
    """What one simulated day did (no personal data)."""

    today: str
    stamp: int
    changed: dict[str, int]  # table name -> objects added or modified
    events: list[str] = field(default_factory=list)


def advance_day(county: County, rng: random.Random | None = None) -> DayReport:
    """Move ``county`` one day forward and make the day's changes."""
    with county.lock:
        county.today += dt.timedelta(days=1)
        rng = rng or random.Random(f"{county.seed}:{county.today.isoformat()}")
        people = county.people
        if people is None:
            raise RuntimeError("the county was not made by the generator")
        people.rng = rng
        before = county.stamp
        stamp = county.tick()
        events: list[str] = []
        scale = max(1, len(county.elev) // 3000)  # ~30 pupils a day in the 88 000-pupil county
        _leavers(county, rng, scale, events)
        _arrivals(county, rng, scale, events)
        _rename_class(county, rng, events)
        _move_teacher(county, rng, events)
        _extra_school(county, rng, events)
        _surname(county, rng, events)
        _mobiles(county, rng, max(1, scale // 2), events)
        changed = {t.name: n for t in county.all_tables() if (n := len(t.since(before + 1)))}
        return DayReport(county.today_iso, stamp, changed, events)


def _active(county: County, ef: int) -> bool:
    row = county.elevforhold.rows[ef]
    today = county.today_iso
    return row.start <= today and (row.slutt is None or row.slutt > today) and row.elev not in county.protected_elev


def _leavers(county: County, rng: random.Random, count: int, events: list[str]) -> None:
    candidates = [
        ef
        for ef in rng.sample(range(len(county.elevforhold)), min(len(county.elevforhold), count * 4))
        if _active(county, ef)
    ]
    for ef in candidates[:count]:
        county.end_elevforhold(ef, county.today_iso)
        events.append(f"elevforhold {county.elevforhold.sid(ef)} ended")


def _arrivals(county: County, rng: random.Random, count: int, events: list[str]) -> None:
    assert county.people is not None
    slutt = iso(max(county.year.end, county.today + dt.timedelta(days=30)))
    for _ in range(count):
        school = rng.randrange(len(county.skole))
        klasse = rng.choice(county.skole.rows[school].basis)
        trinn = county.basis.rows[klasse].trinn or 0
        born = county.people.birthday(county.year.start.year - 16 - trinn)
        elev, _ = add_pupil(
            county,
            county.people,
            school=school,
            klasse=klasse,
            born=born,
            start=county.today_iso,
            slutt=slutt,
        )
        events.append(f"elev {county.elev.sid(elev)} arrived at {county.skole.rows[school].navn}")


def _rename_class(county: County, rng: random.Random, events: list[str]) -> None:
    pos = rng.randrange(len(county.basis))
    group = county.basis.rows[pos]
    taken = {county.basis.rows[g].navn for g in county.skole.rows[group.school].basis}
    stem = group.navn[:-1]
    letter = next((ch for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if stem + ch not in taken), None)
    if letter is None:
        return
    old, group.navn = group.navn, stem + letter
    group.beskrivelse = group.beskrivelse.replace(old, group.navn)
    county.touch(county.basis, pos)
    events.append(f"basisgruppe {county.basis.sid(pos)} renamed {old} -> {group.navn}")


def _teachers(county: County, rng: random.Random) -> list[int]:
    """Some undervisningsforhold of ordinary teachers who teach at exactly one school."""
    picks = rng.sample(range(len(county.uf)), min(len(county.uf), 20))
    out = []
    for uf in picks:
        row = county.uf.rows[uf]
        ressurs = county.skoleressurs.rows[row.sr]
        if row.sr not in county.protected_sr and len(ressurs.schools) == 1 and (row.ug or row.basis or row.klg):
            out.append(uf)
    return out


def _move_teacher(county: County, rng: random.Random, events: list[str]) -> None:
    """A teacher moves: the old job and groups end, a new job and groups start elsewhere."""
    assert county.people is not None
    if len(county.skole) < 2 or not (teachers := _teachers(county, rng)):
        return
    uf = teachers[0]
    row = county.uf.rows[uf]
    old_school, sr = row.school, row.sr
    new_school = rng.choice([s for s in range(len(county.skole)) if s != old_school])
    county.stop_teaching(uf)
    job = county.arbeidsforhold.rows[row.af]
    job.slutt = county.today_iso
    county.touch(county.arbeidsforhold, row.af)
    county.leave_school(sr, old_school)
    pr = county.skoleressurs.rows[sr].pr
    af = add_job(
        county,
        pr,
        county.skole.rows[new_school].org,
        job.kode,
        job.prosent,
        county.today_iso,
        None,
        hoved=True,
    )
    new_uf = county.add_undervisningsforhold(sr, af, new_school, hovedskole=True)
    groups = county.skole.rows[new_school].ug
    for group in rng.sample(groups, min(3, len(groups))):
        county.teach(new_uf, "ug", group)
    events.append(f"skoleressurs {county.skoleressurs.sid(sr)} moved to {county.skole.rows[new_school].navn}")


def _extra_school(county: County, rng: random.Random, events: list[str]) -> None:
    """A teacher takes a few groups at a second school (new job and undervisningsforhold)."""
    assert county.people is not None
    if len(county.skole) < 2 or not (teachers := _teachers(county, rng)):
        return
    sr = county.uf.rows[teachers[-1]].sr
    school = rng.choice([s for s in range(len(county.skole)) if s not in county.skoleressurs.rows[sr].schools])
    uf = second_school(county, county.people, sr, school, start=county.today_iso)
    events.append(f"undervisningsforhold {county.uf.sid(uf)} added at {county.skole.rows[school].navn}")


def _surname(county: County, rng: random.Random, events: list[str]) -> None:
    assert county.people is not None
    pos = rng.randrange(len(county.person))
    person = county.person.rows[pos]
    if person.owner in county.protected_elev:
        return
    person.etternavn = rng.choice(county.people.last)
    county.touch(county.person, pos)
    events.append(f"elev {county.elev.sid(person.owner)} changed surname")


def _mobiles(county: County, rng: random.Random, count: int, events: list[str]) -> None:
    """Pupils (VIS person and elev) and one employee (HRM person and personalressurs) get new numbers."""
    assert county.people is not None
    for _ in range(count):
        elev = rng.randrange(len(county.elev))
        if elev in county.protected_elev:
            continue
        row = county.elev.rows[elev]
        row.mobil = county.person.rows[row.person].mobil = county.people.mobile()
        county.touch(county.elev, elev)
        county.touch(county.person, row.person)
        events.append(f"elev {county.elev.sid(elev)} changed mobile")
    pr = rng.randrange(len(county.personalressurs))
    ressurs = county.personalressurs.rows[pr]
    if ressurs.skoleressurs in county.protected_sr:
        return
    ressurs.mobil = county.hrm_person.rows[ressurs.person].mobil = county.people.mobile()
    county.touch(county.personalressurs, pr)
    county.touch(county.hrm_person, ressurs.person)
    events.append(f"personalressurs {county.personalressurs.sid(pr)} changed mobile")
