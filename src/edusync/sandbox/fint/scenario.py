"""The awkward cases, planted on purpose and named so tests can find them.

Each case is one that a FINT connector or the VIGO-BAS import criteria must get
right (see docs/sandbox-fint.md). They are planted after the ordinary county is
built, with the same seeded generator, so the ids are stable for a seed; the
simulated day never changes the people involved.

``County.scenario.to_dict()`` (and ``GET /_sandbox/scenario``) maps each case to
the FINT identifiers that carry it. It never holds a fødselsnummer: follow the
``person`` link of the elev or skoleressurs to reach the person.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from edusync.sandbox.fint import curriculum as cur
from edusync.sandbox.fint.county import County, iso
from edusync.sandbox.fint.people import PersonFactory
from edusync.sandbox.fint.pupils import add_pupil, enroll
from edusync.sandbox.fint.staff import hire


@dataclass(frozen=True)
class Scenario:
    """FINT ids of each planted case (systemIds; organisasjonsIds for org units)."""

    expired_elevforhold: dict[str, str]  # elev, elevforhold: ended 30 days ago
    future_elevforhold: dict[str, str]  # elev, elevforhold: starts in 14 days
    pupil_two_schools: dict[str, str]  # elev, hovedskole (elevforhold), other (elevforhold)
    same_name_pupils: list[str]  # two elev at one school with identical full names
    elev_without_mobile: str
    elev_without_feidenavn: str
    elev_without_mellomnavn: str
    skoleressurs_without_feidenavn: str
    skoleressurs_without_skole: str
    teacher_without_arbeidsforhold: dict[str, str]  # skoleressurs, undervisningsforhold, arbeidsforhold (ended)
    rector_outside_school: dict[
        str, str
    ]  # skole, organisasjonselement (led by), arbeidssted, skoleressurs, personalressurs
    pupil_and_employee: dict[str, str]  # elev, skoleressurs, personalressurs (same fødselsnummer)
    workplace_outside_school: dict[str, str]  # arbeidsforhold, organisasjonselement, skoleressurs, personalressurs

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def plant(county: County, people: PersonFactory) -> Scenario:
    """Add the awkward cases to a generated county and return where they are."""
    rng = people.rng
    today = county.today
    days = dt.timedelta
    school = 0
    other = 1 % len(county.skole)
    klasse = county.skole.rows[school].basis[0]
    born = people.birthday(county.year.start.year - 17)
    ids = county.elev.sid
    efs = county.elevforhold.sid

    def pupil(start: str, slutt: str | None, at: int = klasse) -> tuple[int, int]:
        elev, ef = add_pupil(
            county,
            people,
            school=county.basis.rows[at].school,
            klasse=at,
            born=born,
            start=start,
            slutt=slutt,
        )
        county.protected_elev.add(elev)
        return elev, ef

    year_start, year_end = iso(county.year.start), iso(county.year.end)
    expired = pupil(iso(today - days(200)), iso(today - days(30)))
    future = pupil(iso(today + days(14)), iso(max(county.year.end, today + days(200))))
    two = pupil(year_start, year_end)
    second = enroll(county, people, two[0], county.skole.rows[other].basis[0], year_start, year_end, hovedskole=False)
    twins = [pupil(year_start, year_end)[0] for _ in range(2)]
    first, copy = (county.person.rows[county.elev.rows[e].person] for e in twins)
    copy.fornavn, copy.mellomnavn, copy.etternavn = first.fornavn, first.mellomnavn, first.etternavn
    no_mobile, no_feide, no_middle = (pupil(year_start, year_end)[0] for _ in range(3))
    county.person.rows[county.elev.rows[no_mobile].person].mobil = None
    county.elev.rows[no_mobile].mobil = None
    county.elev.rows[no_feide].feidenavn = None
    county.person.rows[county.elev.rows[no_middle].person].mellomnavn = None

    org = county.skole.rows[school].org
    staff_no_feide = hire(county, people, org=org, school=school, kode=cur.KODE_LEKTOR)
    assert staff_no_feide.sr is not None
    county.skoleressurs.rows[staff_no_feide.sr].feidenavn = None
    no_school = hire(county, people, org=org, school=None, kode=cur.KODE_RADGIVER)

    # An active teacher whose only job ended two months ago: the undervisningsforhold still
    # points at groups, so VIGO-BAS imports the teacher anyway.
    teacher = hire(county, people, org=org, school=school, kode=cur.KODE_LEKTOR)
    assert teacher.sr is not None
    uf = county.add_undervisningsforhold(teacher.sr, teacher.af, school, hovedskole=True)
    for group in rng.sample(county.skole.rows[school].ug, 2):
        county.teach(uf, "ug", group)
    job = county.arbeidsforhold.rows[teacher.af]
    job.start, job.slutt = iso(today - days(900)), iso(today - days(60))

    # The rector of ``other`` leads the school's unit but is employed in the region above it.
    led = county.skole.rows[other].org
    rector_pr = county.org.rows[led].leader
    assert rector_pr is not None
    region = county.org.rows[led].parent
    for af in county.personalressurs.rows[rector_pr].arbeidsforhold:
        job = county.arbeidsforhold.rows[af]
        if job.org == led:
            county.org.rows[led].arbeidsforhold.remove(af)
            county.org.rows[region].arbeidsforhold.append(af)
            job.org = region
    rector_sr = county.personalressurs.rows[rector_pr].skoleressurs
    assert rector_sr is not None

    worker = pupil(year_start, year_end)[0]
    assistant = hire(
        county,
        people,
        org=org,
        school=school,
        kode=cur.KODE_ASSISTENT,
        prosent=2000,
        same_as=county.elev.rows[worker].person,
    )
    office = county.org.rows[0].children[1]  # "Stab og støtte" holds the non-school units
    it_unit = county.org.rows[office].children[-1]
    outside = hire(county, people, org=it_unit, school=school, kode=cur.KODE_KONSULENT)

    county.protected_sr.update(
        h.sr for h in (staff_no_feide, no_school, teacher, assistant, outside) if h.sr is not None
    )
    county.protected_sr.add(rector_sr)
    srs, prs, afs, orgs = (
        county.skoleressurs.sid,
        county.personalressurs.sid,
        county.arbeidsforhold.sid,
        county.org.sid,
    )
    return Scenario(
        expired_elevforhold={"elev": ids(expired[0]), "elevforhold": efs(expired[1])},
        future_elevforhold={"elev": ids(future[0]), "elevforhold": efs(future[1])},
        pupil_two_schools={"elev": ids(two[0]), "hovedskole": efs(two[1]), "other": efs(second)},
        same_name_pupils=[ids(e) for e in twins],
        elev_without_mobile=ids(no_mobile),
        elev_without_feidenavn=ids(no_feide),
        elev_without_mellomnavn=ids(no_middle),
        skoleressurs_without_feidenavn=srs(staff_no_feide.sr),
        skoleressurs_without_skole=srs(no_school.sr) if no_school.sr is not None else "",
        teacher_without_arbeidsforhold={
            "skoleressurs": srs(teacher.sr),
            "undervisningsforhold": county.uf.sid(uf),
            "arbeidsforhold": afs(teacher.af),
        },
        rector_outside_school={
            "skole": county.skole.sid(other),
            "organisasjonselement": orgs(led),
            "arbeidssted": orgs(region),
            "skoleressurs": srs(rector_sr),
            "personalressurs": prs(rector_pr),
        },
        pupil_and_employee={
            "elev": ids(worker),
            "skoleressurs": srs(assistant.sr) if assistant.sr is not None else "",
            "personalressurs": prs(assistant.pr),
        },
        workplace_outside_school={
            "arbeidsforhold": afs(outside.af),
            "organisasjonselement": orgs(it_unit),
            "skoleressurs": srs(outside.sr) if outside.sr is not None else "",
            "personalressurs": prs(outside.pr),
        },
    )
