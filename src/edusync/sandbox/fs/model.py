"""The FS sandbox's university: plain data classes the generator fills and the API serialises.

Field names follow FS's own vocabulary (emnekode, vurdkombkode, kandidatnr, personlopenummer …)
so that the JSON the sandbox serves reads like FS, and a reader can match code to the WISEflow
FS client's mapping table field by field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from edusync.sandbox.fs.scales import Scale

TERMS = ("VÅR", "HØST")


class ExamKeyError(ValueError):
    """A text that is not an exam key; the message says which form was expected."""


@dataclass(frozen=True, slots=True)
class ExamKey:
    """FS's unique exam identifier (the fetch key WISEflow asks for).

    The canonical text form is ``institusjonsnr|emnekode|versjonskode|vurderingsordning|tid``
    with ``tid`` as ``YYYY TTT`` (``2025 HØST``); :meth:`parse` also reads the six-part pipe form
    (year and term apart) and the old FS-API comma form (``9001,INF1100,1,SKR,2025,HØST``).
    """

    institusjonsnr: int
    emnekode: str
    versjonskode: str
    vurdkombkode: str
    arstall: int
    terminkode: str

    @property
    def tid(self) -> str:
        return f"{self.arstall} {self.terminkode}"

    @property
    def id(self) -> str:
        return "|".join((str(self.institusjonsnr), self.emnekode, self.versjonskode, self.vurdkombkode, self.tid))

    @classmethod
    def parse(cls, text: str) -> ExamKey:
        parts = [p.strip() for p in text.split("|" if "|" in text else ",")]
        if len(parts) == 5:
            tid = parts[4].split()
            if len(tid) != 2:
                raise ExamKeyError("tid must look like 'YYYY TTT', e.g. '2025 HØST'")
            parts = [*parts[:4], *tid]
        if len(parts) != 6 or not all(parts):
            raise ExamKeyError(
                "expected institusjonsnr|emnekode|versjonskode|vurderingsordning|YYYY TTT "
                "(or the comma form institusjonsnr,emnekode,versjonskode,vurderingsordning,YYYY,TTT)"
            )
        inst, emne, versjon, vurdkomb, year, term = parts
        term = term.upper()
        if not inst.isdigit() or not (year.isdigit() and len(year) == 4) or term not in TERMS:
            raise ExamKeyError("institusjonsnr and year must be numbers and the term VÅR or HØST")
        return cls(int(inst), emne.upper(), versjon, vurdkomb.upper(), int(year), term)


@dataclass(slots=True)
class Contact:
    """kontaktinfo; any of the three may be missing, as in real FS data."""

    epost: str | None
    epost_privat: str | None
    telefonnr: str | None


@dataclass(slots=True)
class Person:
    """A student or an employee. Mutable so that a scenario tweak shows up everywhere it is used."""

    personlopenummer: int
    fnr: str
    fornavn: str
    etternavn: str
    brukernavn: str  # the Feide name, user@realm
    kontakt: Contact
    sprak: str  # nb, nn or en


@dataclass(frozen=True, slots=True)
class Room:
    id: str
    bygningsnavn: str
    romnavn: str
    utstyr: str


@dataclass(slots=True)
class Kandidat:
    person: Person
    kandidatnr: str
    kommisjonsid: int | None
    sted_id: str | None  # oppmøte: the room the candidate sits in
    innleveringsfrist: dt.datetime | None = None  # individual deadline = a dispensation (extra time)


@dataclass(slots=True)
class Vurderingsgruppe:
    id: int
    navn: str
    kandidater: list[Kandidat] = field(default_factory=list)


@dataclass(slots=True)
class Sensor:
    person: Person
    sensorrolle: str  # INTERN or EKSTERN


@dataclass(slots=True)
class Kommisjon:
    id: int
    navn: str
    sensorer: list[Sensor] = field(default_factory=list)


@dataclass(slots=True)
class Exam:
    """One assessment (vurderingsenhet + vurderingskombinasjon) that WISEflow can fetch."""

    key: ExamKey
    emnetittel: str
    vurdkombtittel: str
    karakterskala: Scale
    dato_eksamen_fra: dt.datetime | None
    dato_eksamen_til: dt.datetime | None
    start: dt.datetime | None
    slutt: dt.datetime | None
    sensurfrist: dt.date
    klagefrist: dt.date
    rom: list[Room] = field(default_factory=list)
    vurderingsgrupper: list[Vurderingsgruppe] = field(default_factory=list)
    kommisjoner: list[Kommisjon] = field(default_factory=list)

    def kandidater(self) -> Iterator[Kandidat]:
        for gruppe in self.vurderingsgrupper:
            yield from gruppe.kandidater

    def sensor_ids(self) -> set[int]:
        """personløpenummer of every assessor registered on this exam (through its commissions)."""
        return {s.person.personlopenummer for k in self.kommisjoner for s in k.sensorer}

    @property
    def end(self) -> dt.datetime | None:
        """The end a client would compute: datoEksamenTil, else slutt."""
        return self.dato_eksamen_til or self.slutt


@dataclass(frozen=True, slots=True)
class Emne:
    institusjonsnr: int
    emnekode: str
    versjonskode: str
    emnetittel: str


@dataclass(frozen=True, slots=True)
class Studieretning:
    kode: str
    navn: str


@dataclass(slots=True)
class Studieprogram:
    kode: str
    navn: str
    studieretninger: list[Studieretning] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Kull:
    """A cohort: the students who started a programme in one term."""

    studieprogramkode: str
    arstall: int
    terminkode: str

    @property
    def key(self) -> str:
        return f"{self.studieprogramkode},{self.arstall},{self.terminkode}"


@dataclass(frozen=True, slots=True)
class Studierett:
    """A student's right to study a programme: the membership behind programme, direction and cohort."""

    person: Person
    studieprogramkode: str
    studieretningkode: str | None
    kull: Kull
    fra: dt.date
    til: dt.date | None
