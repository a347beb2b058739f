"""The rows behind the FINT resources: slotted records that point at each other by position.

A record holds what the source system would store, not its HAL form: the HAL
JSON (absolute links, identifier objects, reverse relations) is rendered on
request by :mod:`.render_elev` and :mod:`.render_admin`. Keeping rows this small
is what lets the 100 000-person county fit in a few hundred megabytes.

Integer fields name positions in other tables (``school`` is a position in
``County.skole``); lists of positions are the reverse relations FINT prints as
link arrays. Membership back-references use ``array('i')`` because there are
1.5 million of them in the big county. Dates are ISO strings, already in the
``YYYY-MM-DDT00:00:00Z`` form FINT prints, so rendering does no date maths.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

#: (adresselinje, postnummer, poststed)
Address = tuple[str, str, str]


def positions() -> array[int]:
    """An empty compact list of positions."""
    return array("i")


@dataclass(slots=True)
class Code:
    """A ``Begrep``: skoleår, termin, elevkategori, stillingskode, arbeidsforholdstype …"""

    kode: str
    navn: str
    start: str
    slutt: str | None = None
    passiv: bool = False


@dataclass(slots=True)
class OrgUnit:
    """An organisasjonselement; ``parent`` is itself for the top (the skoleeier)."""

    kode: str
    navn: str
    kortnavn: str
    parent: int
    orgnr: str | None = None
    leader: int | None = None  # personalressurs
    school: int | None = None
    children: list[int] = field(default_factory=list)
    arbeidsforhold: list[int] = field(default_factory=list)


@dataclass(slots=True)
class School:
    skolenummer: str
    orgnr: str
    navn: str
    domene: str
    epost: str
    telefon: str
    nettsted: str
    address: Address
    org: int
    elevforhold: list[int] = field(default_factory=list)
    basis: list[int] = field(default_factory=list)
    ug: list[int] = field(default_factory=list)
    klg: list[int] = field(default_factory=list)
    skoleressurs: list[int] = field(default_factory=list)
    uf: list[int] = field(default_factory=list)
    fag: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Subject:
    """Arstrinn and Fag (both extend ``Gruppe`` in the FINT model)."""

    navn: str
    beskrivelse: str
    groups: list[int] = field(default_factory=list)  # basisgrupper (trinn) / undervisningsgrupper (fag)
    schools: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Person:
    """A felles Person: the pupil one (VIS) or the employee one (HRM)."""

    fornavn: str
    mellomnavn: str | None
    etternavn: str
    born: str  # YYYY-MM-DD
    mobil: str | None
    epost: str | None
    address: Address
    owner: int  # elev (VIS person) or personalressurs (HRM person)


@dataclass(slots=True)
class Elev:
    person: int
    brukernavn: str
    elevnummer: str
    feidenavn: str | None
    epost: str
    mobil: str | None
    forhold: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Elevforhold:
    elev: int
    school: int
    start: str
    slutt: str | None
    hovedskole: bool
    kategori: int
    skolear: int
    basis: array[int] = field(default_factory=positions)  # basisgruppemedlemskap
    ug: array[int] = field(default_factory=positions)  # undervisningsgruppemedlemskap
    klg: array[int] = field(default_factory=positions)  # kontaktlarergruppemedlemskap


@dataclass(slots=True)
class Group:
    """Basisgruppe/klasse, undervisningsgruppe or kontaktlærergruppe."""

    navn: str
    beskrivelse: str
    school: int
    skolear: int
    start: str
    slutt: str
    trinn: int | None = None
    fag: list[int] = field(default_factory=list)
    members: array[int] = field(default_factory=positions)  # membership positions
    teachers: list[int] = field(default_factory=list)  # undervisningsforhold positions
    related: list[int] = field(default_factory=list)  # basisgruppe <-> kontaktlærergruppe


@dataclass(slots=True)
class Membership:
    group: int
    ef: int
    start: str
    slutt: str | None


@dataclass(slots=True)
class Personalressurs:
    person: int  # HRM person
    ansattnummer: str
    brukernavn: str
    start: str
    slutt: str | None
    epost: str
    mobil: str | None
    kategori: int
    jobbtittel: str
    arbeidsforhold: list[int] = field(default_factory=list)
    skoleressurs: int | None = None


@dataclass(slots=True)
class Arbeidsforhold:
    pr: int
    org: int  # arbeidssted
    start: str
    slutt: str | None
    prosent: int  # hundredths of a percent, as FINT counts: 10000 = 100 %
    hoved: bool
    stillingsnummer: str
    tittel: str
    kode: int  # stillingskode
    type: int  # arbeidsforholdstype
    uf: int | None = None


@dataclass(slots=True)
class Skoleressurs:
    pr: int
    person: int  # HRM person
    feidenavn: str | None
    schools: list[int] = field(default_factory=list)
    uf: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Undervisningsforhold:
    sr: int
    af: int
    school: int
    hovedskole: bool
    beskrivelse: str
    basis: list[int] = field(default_factory=list)
    ug: list[int] = field(default_factory=list)
    klg: list[int] = field(default_factory=list)
