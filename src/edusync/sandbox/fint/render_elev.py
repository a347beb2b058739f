"""HAL rendering of pupils: elev, the VIS person, elevforhold and the three membership classes.

Each function turns one row into the JSON FINT would serve for it. Both the v3
(basisgruppe) and the v4 (klasse) link names are printed on elevforhold, so a
client written for either version finds its links.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import orjson

from edusync.sandbox.fint.county import County, GroupKind
from edusync.sandbox.fint.hal import ELEV, Hrefs, Json, address, contact, href, ident, name, periode, selves

Renderer = Callable[[County, int, Hrefs], Json]
#: Renders many rows straight to comma-joined JSON bytes (no surrounding brackets).
FastRenderer = Callable[[County, Iterable[int], Hrefs], bytes]


def elev(c: County, pos: int, h: Hrefs) -> Json:
    row = c.elev.rows[pos]
    sid = c.elev.sid(pos)
    out: Json = {
        "systemId": ident(sid),
        "brukernavn": ident(row.brukernavn),
        "elevnummer": ident(row.elevnummer),
    }
    if row.feidenavn:
        out["feidenavn"] = ident(row.feidenavn)
    out["gjest"] = False
    out["kontaktinformasjon"] = contact(epost=row.epost, mobil=row.mobil)
    ids = {"systemId": sid, "brukernavn": row.brukernavn, "elevnummer": row.elevnummer, "feidenavn": row.feidenavn}
    out["_links"] = {
        "self": selves(h, ELEV, ids),
        "person": [href(h.person + c.person.sid(row.person))],
        "elevforhold": [href(h.elevforhold + c.elevforhold.sid(ef)) for ef in row.forhold],
    }
    return out


def person(c: County, pos: int, h: Hrefs) -> Json:
    """The pupil's person from VIS (``/utdanning/elev/person``), keyed by fødselsnummer."""
    row = c.person.rows[pos]
    fnr = c.person.sid(pos)
    return {
        "fodselsnummer": ident(fnr),
        "navn": name(row.fornavn, row.mellomnavn, row.etternavn),
        "fodselsdato": f"{row.born}T00:00:00Z",
        "kontaktinformasjon": contact(epost=row.epost, mobil=row.mobil),
        "postadresse": address(row.address),
        "bostedsadresse": address(row.address),
        "_links": {"self": [href(h.person + fnr)], "elev": [href(h.elevnummer + c.elev.rows[row.owner].elevnummer)]},
    }


def elevforhold(c: County, pos: int, h: Hrefs) -> Json:
    row = c.elevforhold.rows[pos]
    sid = c.elevforhold.sid(pos)
    bgm, ugm, kgm = c.bgm.rows, c.ugm.rows, c.kgm.rows
    basis = [c.basis.sid(bgm[m].group) for m in row.basis]
    links: Json = {
        "self": [href(h.elevforhold + sid)],
        "elev": [href(h.elev + c.elev.sid(row.elev))],
        "skole": [_school(c, h, row.school, pos)],
        "skolear": [href(h.skolear + c.codes["skolear"].sid(row.skolear))],
        "kategori": [href(h.elevkategori + c.codes["elevkategori"].sid(row.kategori))],
        # v3 direct group links (v4 has none), then the membership links of v3 and v4.
        "basisgruppe": [href(h.basisgruppe + g) for g in basis],
        "undervisningsgruppe": [href(h.ug + c.ug.sid(ugm[m].group)) for m in row.ug],
        "kontaktlarergruppe": [href(h.klg + c.klg.sid(kgm[m].group)) for m in row.klg],
        "basisgruppemedlemskap": [href(h.bgm + c.bgm.sid(m)) for m in row.basis],
        "klassemedlemskap": [href(h.klm + c.bgm.sid(m)) for m in row.basis],
        "undervisningsgruppemedlemskap": [href(h.ugm + c.ugm.sid(m)) for m in row.ug],
        "kontaktlarergruppemedlemskap": [href(h.kgm + c.kgm.sid(m)) for m in row.klg],
    }
    return {
        "systemId": ident(sid),
        "beskrivelse": f"Elev ved {c.skole.rows[row.school].navn}",
        "gyldighetsperiode": periode(row.start, row.slutt),
        "hovedskole": row.hovedskole,
        "_links": links,
    }


def _school(c: County, h: Hrefs, school: int, pos: int) -> dict[str, str]:
    """A link to a school, by systemId or by skolenummer (alternating, as two source systems would)."""
    if pos % 2:
        return href(h.skole_nr + c.skole.rows[school].skolenummer)
    return href(h.skole + c.skole.sid(school))


def membership(kind: GroupKind, self_attr: str, group_rel: str, group_attr: str) -> Renderer:
    """A renderer for one membership class (the v3 and v4 class memberships share rows)."""

    def render(c: County, pos: int, h: Hrefs) -> Json:
        groups, members = c.group_tables(kind)
        row = members.rows[pos]
        sid = members.sid(pos)
        slutt = row.slutt
        return {
            "systemId": {"identifikatorverdi": sid},
            "gyldighetsperiode": {"start": row.start, "slutt": slutt} if slutt else {"start": row.start},
            "_links": {
                "self": [{"href": getattr(h, self_attr) + sid}],
                "elevforhold": [{"href": h.elevforhold + c.elevforhold.sid(row.ef)}],
                group_rel: [{"href": getattr(h, group_attr) + groups.sid(row.group)}],
            },
        }

    return render


def membership_json(kind: GroupKind, self_attr: str, group_rel: str, group_attr: str) -> FastRenderer:
    """The same JSON as :func:`membership` gives, built by string formatting.

    Memberships are 85 % of the big county's rows and each is the same small
    shape, so formatting them directly is about three times faster than building
    dicts for orjson; that is the difference a cold full read of 1.3 million
    memberships feels. Ids and dates are generated ASCII without quotes or
    backslashes; the link prefixes come from the request's base URL, so they are
    escaped. The tests check the two renderers agree.
    """

    def render(c: County, positions: Iterable[int], h: Hrefs) -> bytes:
        groups, members = c.group_tables(kind)
        rows, msid, esid, gsid = members.rows, members.sid, c.elevforhold.sid, groups.sid
        me, ef, group = (_escape(getattr(h, self_attr)), _escape(h.elevforhold), _escape(getattr(h, group_attr)))
        out = []
        for pos in positions:
            row = rows[pos]
            sid = msid(pos)
            end = f',"slutt":"{row.slutt}"' if row.slutt else ""
            out.append(
                f'{{"systemId":{{"identifikatorverdi":"{sid}"}},"gyldighetsperiode":{{"start":"{row.start}"{end}}},'
                f'"_links":{{"self":[{{"href":"{me}{sid}"}}],"elevforhold":[{{"href":"{ef}{esid(row.ef)}"}}],'
                f'"{group_rel}":[{{"href":"{group}{gsid(row.group)}"}}]}}}}'
            )
        return ",".join(out).encode()

    return render


def _escape(text: str) -> str:
    """``text`` as it appears inside a JSON string."""
    return orjson.dumps(text).decode()[1:-1]


basisgruppemedlemskap = membership("basis", "bgm", "basisgruppe", "basisgruppe")
klassemedlemskap = membership("basis", "klm", "klasse", "klasse")
undervisningsgruppemedlemskap = membership("ug", "ugm", "undervisningsgruppe", "ug")
kontaktlarergruppemedlemskap = membership("klg", "kgm", "kontaktlarergruppe", "klg")
basisgruppemedlemskap_json = membership_json("basis", "bgm", "basisgruppe", "basisgruppe")
klassemedlemskap_json = membership_json("basis", "klm", "klasse", "klasse")
undervisningsgruppemedlemskap_json = membership_json("ug", "ugm", "undervisningsgruppe", "ug")
kontaktlarergruppemedlemskap_json = membership_json("klg", "kgm", "kontaktlarergruppe", "klg")
