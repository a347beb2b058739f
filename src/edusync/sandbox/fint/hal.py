"""FINT paths and the small pieces every HAL resource is built from.

Paths follow FINT's rule ``/domain/package/class``, lower-cased, æøå folded.
Links are absolute, always arrays of ``{"href": ...}``, and address the target by
one identifier in lower case (``systemid``, ``fodselsnummer``, ``organisasjonsid``).
A resource lists one self link per identifier it has, in the order FINT's consumers
build them (the model's identifier fields by name: ``brukernavn``, ``elevnummer``,
``feidenavn``, ``systemid`` for an elev); links between resources use whichever
identifier the source system filled in, so a client must resolve an object through
every one of its self links (see :func:`selves`).
"""

from __future__ import annotations

from typing import Any

ELEV = "/utdanning/elev/elev"
PERSON = "/utdanning/elev/person"
ELEVFORHOLD = "/utdanning/elev/elevforhold"
BASISGRUPPE = "/utdanning/elev/basisgruppe"
KLASSE = "/utdanning/elev/klasse"
BASISGRUPPEMEDLEMSKAP = "/utdanning/elev/basisgruppemedlemskap"
KLASSEMEDLEMSKAP = "/utdanning/elev/klassemedlemskap"
KONTAKTLARERGRUPPE = "/utdanning/elev/kontaktlarergruppe"
KONTAKTLARERGRUPPEMEDLEMSKAP = "/utdanning/elev/kontaktlarergruppemedlemskap"
SKOLERESSURS = "/utdanning/elev/skoleressurs"
UNDERVISNINGSFORHOLD = "/utdanning/elev/undervisningsforhold"
UNDERVISNINGSGRUPPE = "/utdanning/timeplan/undervisningsgruppe"
UNDERVISNINGSGRUPPEMEDLEMSKAP = "/utdanning/timeplan/undervisningsgruppemedlemskap"
FAG = "/utdanning/timeplan/fag"
SKOLE = "/utdanning/utdanningsprogram/skole"
ARSTRINN = "/utdanning/utdanningsprogram/arstrinn"
SKOLEAR = "/utdanning/kodeverk/skolear"
TERMIN = "/utdanning/kodeverk/termin"
ELEVKATEGORI = "/utdanning/kodeverk/elevkategori"
PERSONALRESSURS = "/administrasjon/personal/personalressurs"
ARBEIDSFORHOLD = "/administrasjon/personal/arbeidsforhold"
HRM_PERSON = "/administrasjon/personal/person"
ORGANISASJONSELEMENT = "/administrasjon/organisasjon/organisasjonselement"
STILLINGSKODE = "/administrasjon/kodeverk/stillingskode"
ARBEIDSFORHOLDSTYPE = "/administrasjon/kodeverk/arbeidsforholdstype"
PERSONALRESSURSKATEGORI = "/administrasjon/kodeverk/personalressurskategori"

Json = dict[str, Any]
Link = dict[str, str]


class Hrefs:
    """Link prefixes for one base URL, built once so rendering a row is string joins only.

    ``h.elev + sid`` is the absolute link to an elev by systemId; ``h.person`` ends
    in ``/fodselsnummer/`` and ``h.org`` in ``/organisasjonsid/``.
    """

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

        def by(path: str, field: str = "systemid") -> str:
            return f"{self.base}{path}/{field}/"

        self.elev, self.person, self.elevforhold = by(ELEV), by(PERSON, "fodselsnummer"), by(ELEVFORHOLD)
        self.basisgruppe, self.klasse = by(BASISGRUPPE), by(KLASSE)
        self.bgm, self.klm = by(BASISGRUPPEMEDLEMSKAP), by(KLASSEMEDLEMSKAP)
        self.klg, self.kgm = by(KONTAKTLARERGRUPPE), by(KONTAKTLARERGRUPPEMEDLEMSKAP)
        self.skoleressurs, self.uf = by(SKOLERESSURS), by(UNDERVISNINGSFORHOLD)
        self.ug, self.ugm, self.fag = by(UNDERVISNINGSGRUPPE), by(UNDERVISNINGSGRUPPEMEDLEMSKAP), by(FAG)
        self.skole, self.arstrinn = by(SKOLE), by(ARSTRINN)
        self.skolear, self.termin, self.elevkategori = by(SKOLEAR), by(TERMIN), by(ELEVKATEGORI)
        self.personalressurs, self.arbeidsforhold = by(PERSONALRESSURS), by(ARBEIDSFORHOLD)
        self.hrm_person = by(HRM_PERSON, "fodselsnummer")
        self.org = by(ORGANISASJONSELEMENT, "organisasjonsid")
        self.stillingskode, self.arbeidsforholdstype = by(STILLINGSKODE), by(ARBEIDSFORHOLDSTYPE)
        self.personalressurskategori = by(PERSONALRESSURSKATEGORI)
        # The other identifiers links use: a school by its number, staff by their employee number.
        self.skole_nr = by(SKOLE, "skolenummer")
        self.ansattnummer = by(PERSONALRESSURS, "ansattnummer")
        self.elevnummer = by(ELEV, "elevnummer")

    def path(self, path: str, field: str, value: str) -> Link:
        return {"href": f"{self.base}{path}/{field}/{value}"}


def selves(h: Hrefs, path: str, ids: dict[str, str | None]) -> list[Link]:
    """Self links for every identifier with a value, ordered by the identifier's field name as FINT orders them.

    ``ids`` maps the model's field names (``systemId``, ``skolenummer``) to values; a link's
    identifier segment is the field name in lower case.
    """
    return [h.path(path, field.lower(), value) for field, value in sorted(ids.items()) if value]


def href(url: str) -> Link:
    return {"href": url}


def hrefs(prefix: str, ids: list[str]) -> list[Link]:
    return [{"href": prefix + sid} for sid in ids]


def ident(value: str) -> dict[str, str]:
    """A FINT ``Identifikator``."""
    return {"identifikatorverdi": value}


def periode(start: str, slutt: str | None) -> dict[str, str]:
    """A FINT ``Periode``; an open end is left out, as FINT does."""
    return {"start": start, "slutt": slutt} if slutt else {"start": start}


def contact(
    *,
    epost: str | None = None,
    mobil: str | None = None,
    telefon: str | None = None,
    nettsted: str | None = None,
) -> dict[str, str]:
    """A ``Kontaktinformasjon`` with only the fields that have a value."""
    out = {}
    if epost:
        out["epostadresse"] = epost
    if mobil:
        out["mobiltelefonnummer"] = mobil
    if telefon:
        out["telefonnummer"] = telefon
    if nettsted:
        out["nettsted"] = nettsted
    return out


def address(value: tuple[str, str, str]) -> Json:
    """An ``Adresse``: adresselinje is a list, as every multi-valued FINT field is."""
    line, postnr, poststed = value
    return {"adresselinje": [line], "postnummer": postnr, "poststed": poststed}


def name(fornavn: str, mellomnavn: str | None, etternavn: str) -> dict[str, str]:
    """A ``Personnavn``; mellomnavn only when there is one."""
    if mellomnavn:
        return {"fornavn": fornavn, "mellomnavn": mellomnavn, "etternavn": etternavn}
    return {"fornavn": fornavn, "etternavn": etternavn}
