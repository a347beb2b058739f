"""HAL rendering of employees and the organisation: personalressurs, the HRM person,
arbeidsforhold, skoleressurs, undervisningsforhold and organisasjonselement.

Percentages are FINT's hundredths (10000 = 100 %). The skoleressurs ``person``
link points at the HRM person (``/administrasjon/personal/person``), which is
where an employee's personal data lives; a pupil who is also employed therefore
has two person resources with the same fødselsnummer, one in each domain.
"""

from __future__ import annotations

from edusync.sandbox.fint.county import County
from edusync.sandbox.fint.hal import (
    ORGANISASJONSELEMENT,
    PERSONALRESSURS,
    SKOLERESSURS,
    Hrefs,
    Json,
    address,
    contact,
    href,
    ident,
    name,
    periode,
    selves,
)

#: Yearly salary in kroner for a full position; scaled by the position's percentage.
_FULL_SALARY = 640_000


def personalressurs(c: County, pos: int, h: Hrefs) -> Json:
    row = c.personalressurs.rows[pos]
    sid = c.personalressurs.sid(pos)
    links: Json = {
        "self": selves(
            h, PERSONALRESSURS, {"systemId": sid, "ansattnummer": row.ansattnummer, "brukernavn": row.brukernavn}
        ),
        "person": [href(h.hrm_person + c.hrm_person.sid(row.person))],
        "arbeidsforhold": [href(h.arbeidsforhold + c.arbeidsforhold.sid(af)) for af in row.arbeidsforhold],
        "personalressurskategori": [
            href(h.personalressurskategori + c.codes["personalressurskategori"].sid(row.kategori))
        ],
    }
    if row.skoleressurs is not None:
        links["skoleressurs"] = [href(h.skoleressurs + c.skoleressurs.sid(row.skoleressurs))]
    return {
        "systemId": ident(sid),
        "ansattnummer": ident(row.ansattnummer),
        "brukernavn": ident(row.brukernavn),
        "ansettelsesperiode": periode(row.start, row.slutt),
        "jobbtittel": row.jobbtittel,
        "kontaktinformasjon": contact(epost=row.epost, mobil=row.mobil),
        "_links": links,
    }


def hrm_person(c: County, pos: int, h: Hrefs) -> Json:
    """The employee's person from HRM (``/administrasjon/personal/person``)."""
    row = c.hrm_person.rows[pos]
    fnr = c.hrm_person.sid(pos)
    return {
        "fodselsnummer": ident(fnr),
        "navn": name(row.fornavn, row.mellomnavn, row.etternavn),
        "fodselsdato": f"{row.born}T00:00:00Z",
        "kontaktinformasjon": contact(epost=row.epost, mobil=row.mobil),
        "postadresse": address(row.address),
        "bostedsadresse": address(row.address),
        "_links": {
            "self": [href(h.hrm_person + fnr)],
            "personalressurs": [href(h.personalressurs + c.personalressurs.sid(row.owner))],
        },
    }


def arbeidsforhold(c: County, pos: int, h: Hrefs) -> Json:
    row = c.arbeidsforhold.rows[pos]
    sid = c.arbeidsforhold.sid(pos)
    links: Json = {
        "self": [href(h.arbeidsforhold + sid)],
        # HRM links an employment to its employee by employee number.
        "personalressurs": [href(h.ansattnummer + c.personalressurs.rows[row.pr].ansattnummer)],
        "arbeidssted": [href(h.org + c.org.sid(row.org))],
        "stillingskode": [href(h.stillingskode + c.codes["stillingskode"].sid(row.kode))],
        "arbeidsforholdstype": [href(h.arbeidsforholdstype + c.codes["arbeidsforholdstype"].sid(row.type))],
    }
    if row.uf is not None:
        links["undervisningsforhold"] = [href(h.uf + c.uf.sid(row.uf))]
    period = periode(row.start, row.slutt)
    return {
        "systemId": ident(sid),
        "gyldighetsperiode": period,
        "arbeidsforholdsperiode": period,
        "ansettelsesprosent": row.prosent,
        "lonnsprosent": row.prosent,
        "tilstedeprosent": row.prosent,
        "arslonn": _FULL_SALARY * row.prosent // 10000,
        "hovedstilling": row.hoved,
        "stillingsnummer": row.stillingsnummer,
        "stillingstittel": row.tittel,
        "_links": links,
    }


def skoleressurs(c: County, pos: int, h: Hrefs) -> Json:
    row = c.skoleressurs.rows[pos]
    sid = c.skoleressurs.sid(pos)
    out: Json = {"systemId": ident(sid)}
    if row.feidenavn:
        out["feidenavn"] = ident(row.feidenavn)
    out["_links"] = {
        "self": selves(h, SKOLERESSURS, {"systemId": sid, "feidenavn": row.feidenavn}),
        "personalressurs": [href(h.personalressurs + c.personalressurs.sid(row.pr))],
        "person": [href(h.hrm_person + c.hrm_person.sid(row.person))],
        "skole": [href(h.skole + c.skole.sid(s)) for s in row.schools],
        "undervisningsforhold": [href(h.uf + c.uf.sid(u)) for u in row.uf],
    }
    return out


def undervisningsforhold(c: County, pos: int, h: Hrefs) -> Json:
    row = c.uf.rows[pos]
    sid = c.uf.sid(pos)
    basis = [c.basis.sid(g) for g in row.basis]
    return {
        "systemId": ident(sid),
        "beskrivelse": row.beskrivelse,
        "hovedskole": row.hovedskole,
        "_links": {
            "self": [href(h.uf + sid)],
            "skoleressurs": [href(h.skoleressurs + c.skoleressurs.sid(row.sr))],
            "arbeidsforhold": [href(h.arbeidsforhold + c.arbeidsforhold.sid(row.af))],
            "skole": [href(h.skole_nr + c.skole.rows[row.school].skolenummer)],
            "basisgruppe": [href(h.basisgruppe + g) for g in basis],
            "klasse": [href(h.klasse + g) for g in basis],
            "undervisningsgruppe": [href(h.ug + c.ug.sid(g)) for g in row.ug],
            "kontaktlarergruppe": [href(h.klg + c.klg.sid(g)) for g in row.klg],
        },
    }


def organisasjonselement(c: County, pos: int, h: Hrefs) -> Json:
    row = c.org.rows[pos]
    sid = c.org.sid(pos)
    out: Json = {
        "organisasjonsId": ident(sid),
        "organisasjonsKode": ident(row.kode),
        "navn": row.navn,
        "kortnavn": row.kortnavn,
        "organisasjonsnavn": row.navn,
        "gyldighetsperiode": {"start": "2000-01-01T00:00:00Z"},
    }
    if row.orgnr:
        out["organisasjonsnummer"] = ident(row.orgnr)
    links: Json = {
        "self": selves(
            h,
            ORGANISASJONSELEMENT,
            {"organisasjonsId": sid, "organisasjonsKode": row.kode, "organisasjonsnummer": row.orgnr},
        ),
        "overordnet": [href(h.org + c.org.sid(row.parent))],
        "underordnet": [href(h.org + c.org.sid(child)) for child in row.children],
        "arbeidsforhold": [href(h.arbeidsforhold + c.arbeidsforhold.sid(af)) for af in row.arbeidsforhold],
    }
    if row.leader is not None:
        links["leder"] = [href(h.personalressurs + c.personalressurs.sid(row.leader))]
    if row.school is not None:
        links["skole"] = [href(h.skole_nr + c.skole.rows[row.school].skolenummer)]
    out["_links"] = links
    return out
