"""Generate a realistic, seeded county: organisation, schools, pupils, staff and awkward cases.

``generate(seed, size)`` always gives the same county for the same seed, size and
``today`` (names, fødselsnumre, ids, links); only the change stamps follow the
wall clock, so that deltas line up with a client's own clock.

Sizes (persons = pupils + employees):

==========  =======  ========  =========================================
size        schools  persons   memberships (basis, contact, teaching)
==========  =======  ========  =========================================
small             3      ~300  ~4 500
county           30   ~10 000  ~150 000
county-l        250  ~100 000  ~1 500 000
==========  =======  ========  =========================================
"""

from __future__ import annotations

import datetime as dt
import gc
import random
from dataclasses import dataclass

from stdnum.no import orgnr as _orgnr

from edusync.sandbox.fint import curriculum as cur
from edusync.sandbox.fint import pupils as pupil_mod
from edusync.sandbox.fint import staff as staff_mod
from edusync.sandbox.fint.county import County, iso
from edusync.sandbox.fint.people import PersonFactory, ascii_fold
from edusync.sandbox.fint.records import Code, OrgUnit, School, Subject
from edusync.sandbox.fint.scenario import plant


@dataclass(frozen=True, slots=True)
class Size:
    schools: int
    persons: int


SIZES = {
    "tiny": Size(2, 120),  # for property tests that build a county per example
    "small": Size(3, 300),
    "county": Size(30, 10_000),
    "county-l": Size(250, 100_000),
}
#: Share of persons who are employees; pupils are the rest.
STAFF_SHARE = 0.12


def generate(seed: int = 1, size: str = "small", today: dt.date | None = None) -> County:
    """A complete county for ``seed`` and ``size`` with ``today`` (default: the real today) as its date."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    spec = SIZES[size]
    rng = random.Random(seed)
    today = today or dt.date.today()
    name = cur.COUNTY_NAMES[seed % len(cur.COUNTY_NAMES)]
    code = cur.COUNTY_CODES[seed % len(cur.COUNTY_CODES)]
    county = County(seed=seed, size=size, today=today, name=name, domain=f"{ascii_fold(name)}fk.no", code=code)
    # Millions of small acyclic records: the cyclic collector would only slow the build down.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        people = PersonFactory(rng, seed)
        _codes(county)
        central = _organisation(county, rng, spec.schools)
        _schools(county, people, spec.schools)
        _populate(county, people, spec)
        staff_mod.central_staff(county, people, central, max(2, round(spec.persons * STAFF_SHARE * 0.03)))
        county.scenario = plant(county, people)
        county.people = people
        county.seal()
    finally:
        if was_enabled:
            gc.enable()
    # The rows live as long as the sandbox and hold no cycles: moving them out of the
    # collector's generations keeps every later collection (while serving) cheap.
    gc.freeze()
    return county


def _codes(county: County) -> None:
    stamp = county.stamp
    since = "2000-01-01T00:00:00Z"
    year = county.year
    for offset, passiv in ((-1, True), (0, False), (1, False)):
        shifted = year.shifted(offset)
        county.codes["skolear"].add(
            Code(shifted.kode, shifted.navn, iso(shifted.start), iso(shifted.end), passiv), stamp
        )
    for table, values in (
        ("termin", cur.TERMIN),
        ("elevkategori", cur.ELEVKATEGORI),
        ("stillingskode", cur.STILLINGSKODE),
        ("arbeidsforholdstype", cur.ARBEIDSFORHOLDSTYPE),
        ("personalressurskategori", cur.PERSONALRESSURSKATEGORI),
    ):
        for kode, navn in values:
            county.codes[table].add(Code(kode, navn, since), stamp)
    for navn, beskrivelse in cur.TRINN:
        county.trinn.add(Subject(navn, beskrivelse), stamp)
    for kode, beskrivelse in cur.FAG:
        county.fag.add(Subject(kode, beskrivelse), stamp)


def add_org(county: County, navn: str, kortnavn: str, parent: int | None, orgnr: str | None = None) -> int:
    """An organisasjonselement under ``parent`` (None: the top, which is its own parent)."""
    pos = len(county.org)
    county.org.add(OrgUnit(str(pos + 10), navn, kortnavn, pos if parent is None else parent, orgnr), county.stamp)
    if parent is not None:
        county.org.rows[parent].children.append(pos)
        county.touch(county.org, parent)
    return pos


def organisation_number(rng: random.Random) -> str:
    """A valid Norwegian organisasjonsnummer (nine digits, mod-11 check)."""
    while True:
        base = f"9{rng.randrange(10_000_000):07d}"
        for digit in "0123456789":
            if _orgnr.is_valid(base + digit):
                return base + digit


def _organisation(county: County, rng: random.Random, schools: int) -> list[int]:
    """The county tree; returns the non-school units where office staff work."""
    top = add_org(county, f"{county.name} fylkeskommune", "FK", None, organisation_number(rng))
    sector = add_org(county, "Opplæring og kompetanse", "OPK", top)
    stab = add_org(county, "Stab og støtte", "STAB", top)
    central = [add_org(county, "HR-seksjonen", "HR", stab), add_org(county, "IT-seksjonen", "IT", stab)]
    for i in range(max(1, min(len(cur.REGIONS), schools // 25))):
        add_org(county, cur.REGIONS[i], f"R{i + 1}", sector)
    county.regions = [pos for pos in range(len(county.org)) if county.org.rows[pos].parent == sector]
    return central


def _schools(county: County, people: PersonFactory, count: int) -> None:
    rng = people.rng
    places = sorted({place for _, place in people.places})
    rng.shuffle(places)
    for n in range(count):
        place = places[n % len(places)] + ("" if n < len(places) else f" {n // len(places) + 1}")
        navn = f"{place} videregående skole"
        domene = f"{ascii_fold(place)}.vgs.no"
        orgnr = organisation_number(rng)
        org = add_org(
            county,
            navn,
            f"{ascii_fold(place)[:4].upper()}VGS",
            county.regions[n % len(county.regions)],
            orgnr,
        )
        school = School(
            f"{county.code}{n + 1:03d}",
            orgnr,
            navn,
            domene,
            f"post@{domene}",
            f"3{rng.randrange(10_000_000):07d}",
            f"https://{domene}",
            people.address(),
            org,
        )
        pos = county.skole.add(school, county.stamp)
        county.org.rows[org].school = pos


def _populate(county: County, people: PersonFactory, spec: Size) -> None:
    rng = people.rng
    weights = [rng.uniform(0.5, 1.5) for _ in range(spec.schools)]
    total = sum(weights)
    staff = round(spec.persons * STAFF_SHARE * 0.97)
    pupils = spec.persons - round(spec.persons * STAFF_SHARE)
    for school, weight in enumerate(weights):
        pupil_mod.populate_school(county, people, school, max(20, round(pupils * weight / total)))
        staff_mod.staff_school(county, people, school, max(4, round(staff * weight / total)))
    staff_mod.cross_school_teachers(county, people)
