"""HAL rendering of groups and school structure: basisgruppe/klasse, undervisningsgruppe,
kontaktlærergruppe, fag, arstrinn, skole and the code lists (Begrep).

Groups carry their reverse links (members, teachers), which is what makes a
FINT group object large; the v3 basisgruppe also lists its elevforhold directly.
"""

from __future__ import annotations

from edusync.sandbox.fint.county import County
from edusync.sandbox.fint.hal import SKOLE, Hrefs, Json, address, contact, href, ident, periode, selves
from edusync.sandbox.fint.records import Group
from edusync.sandbox.fint.render_elev import Renderer


def _group_base(
    c: County, row: Group, sid: str, h: Hrefs, self_prefix: str, *, dated: bool = True
) -> tuple[Json, Json]:
    """The fields and links every group has; ``dated`` False for a v4 klasse, whose model has no ``periode``."""
    out: Json = {"navn": row.navn, "beskrivelse": row.beskrivelse, "systemId": ident(sid)}
    if dated:
        out["periode"] = [periode(row.start, row.slutt)]
    termin = c.codes["termin"]
    links: Json = {
        "self": [href(self_prefix + sid)],
        # Groups name their school by its number (as VIS does), staff and pupils by systemId.
        "skole": [href(h.skole_nr + c.skole.rows[row.school].skolenummer)],
        "skolear": [href(h.skolear + c.codes["skolear"].sid(row.skolear))],
        "termin": [href(h.termin + termin.sid(t)) for t in range(len(termin))],
        "undervisningsforhold": [href(h.uf + c.uf.sid(uf)) for uf in row.teachers],
    }
    return out, links


def _basis(v4: bool) -> Renderer:
    def render(c: County, pos: int, h: Hrefs) -> Json:
        row = c.basis.rows[pos]
        sid = c.basis.sid(pos)
        out, links = _group_base(c, row, sid, h, h.klasse if v4 else h.basisgruppe, dated=not v4)
        if row.trinn is not None:
            links["trinn"] = [href(h.arstrinn + c.trinn.sid(row.trinn))]
        links["kontaktlarergruppe"] = [href(h.klg + c.klg.sid(g)) for g in row.related]
        member_ids = [c.bgm.sid(m) for m in row.members]
        if v4:
            links["klassemedlemskap"] = [href(h.klm + m) for m in member_ids]
        else:
            links["gruppemedlemskap"] = [href(h.bgm + m) for m in member_ids]
            links["elevforhold"] = [href(h.elevforhold + c.elevforhold.sid(c.bgm.rows[m].ef)) for m in row.members]
        out["_links"] = links
        return out

    return render


basisgruppe = _basis(v4=False)
klasse = _basis(v4=True)


def undervisningsgruppe(c: County, pos: int, h: Hrefs) -> Json:
    row = c.ug.rows[pos]
    sid = c.ug.sid(pos)
    out, links = _group_base(c, row, sid, h, h.ug)
    links["fag"] = [href(h.fag + c.fag.sid(f)) for f in row.fag]
    links["gruppemedlemskap"] = [href(h.ugm + c.ugm.sid(m)) for m in row.members]
    links["elevforhold"] = [href(h.elevforhold + c.elevforhold.sid(c.ugm.rows[m].ef)) for m in row.members]
    out["_links"] = links
    return out


def kontaktlarergruppe(c: County, pos: int, h: Hrefs) -> Json:
    row = c.klg.rows[pos]
    sid = c.klg.sid(pos)
    out, links = _group_base(c, row, sid, h, h.klg)
    links["basisgruppe"] = [href(h.basisgruppe + c.basis.sid(g)) for g in row.related]
    links["klasse"] = [href(h.klasse + c.basis.sid(g)) for g in row.related]
    links["gruppemedlemskap"] = [href(h.kgm + c.kgm.sid(m)) for m in row.members]
    links["elevforhold"] = [href(h.elevforhold + c.elevforhold.sid(c.kgm.rows[m].ef)) for m in row.members]
    out["_links"] = links
    return out


def fag(c: County, pos: int, h: Hrefs) -> Json:
    row = c.fag.rows[pos]
    sid = c.fag.sid(pos)
    return {
        "navn": row.navn,
        "beskrivelse": row.beskrivelse,
        "systemId": ident(sid),
        "_links": {
            "self": [href(h.fag + sid)],
            "skole": [href(h.skole + c.skole.sid(s)) for s in row.schools],
            "undervisningsgruppe": [href(h.ug + c.ug.sid(g)) for g in row.groups],
        },
    }


def arstrinn(c: County, pos: int, h: Hrefs) -> Json:
    row = c.trinn.rows[pos]
    sid = c.trinn.sid(pos)
    groups = [c.basis.sid(g) for g in row.groups]
    return {
        "navn": row.navn,
        "beskrivelse": row.beskrivelse,
        "systemId": ident(sid),
        "_links": {
            "self": [href(h.arstrinn + sid)],
            "basisgruppe": [href(h.basisgruppe + g) for g in groups],
            "klasse": [href(h.klasse + g) for g in groups],
        },
    }


def skole(c: County, pos: int, h: Hrefs) -> Json:
    row = c.skole.rows[pos]
    sid = c.skole.sid(pos)
    basis = [c.basis.sid(g) for g in row.basis]
    return {
        "systemId": ident(sid),
        "skolenummer": ident(row.skolenummer),
        "organisasjonsnummer": ident(row.orgnr),
        "navn": row.navn,
        "juridiskNavn": row.navn,
        "organisasjonsnavn": row.navn,
        "domenenavn": row.domene,
        "kontaktinformasjon": contact(epost=row.epost, telefon=row.telefon, nettsted=row.nettsted),
        "forretningsadresse": address(row.address),
        "postadresse": address(row.address),
        "_links": {
            "self": selves(
                h, SKOLE, {"systemId": sid, "skolenummer": row.skolenummer, "organisasjonsnummer": row.orgnr}
            ),
            "organisasjon": [href(h.org + c.org.sid(row.org))],
            "elevforhold": [href(h.elevforhold + c.elevforhold.sid(ef)) for ef in row.elevforhold],
            "basisgruppe": [href(h.basisgruppe + g) for g in basis],
            "klasse": [href(h.klasse + g) for g in basis],
            "undervisningsgruppe": [href(h.ug + c.ug.sid(g)) for g in row.ug],
            "kontaktlarergruppe": [href(h.klg + c.klg.sid(g)) for g in row.klg],
            "skoleressurs": [href(h.skoleressurs + c.skoleressurs.sid(s)) for s in row.skoleressurs],
            "undervisningsforhold": [href(h.uf + c.uf.sid(u)) for u in row.uf],
            "fag": [href(h.fag + c.fag.sid(f)) for f in row.fag],
        },
    }


def code(table: str, prefix_attr: str) -> Renderer:
    """A renderer for one ``Begrep`` code list."""

    def render(c: County, pos: int, h: Hrefs) -> Json:
        codes = c.codes[table]
        row = codes.rows[pos]
        sid = codes.sid(pos)
        return {
            "kode": row.kode,
            "navn": row.navn,
            "systemId": ident(sid),
            "gyldighetsperiode": periode(row.start, row.slutt),
            "passiv": row.passiv,
            "_links": {"self": [href(getattr(h, prefix_attr) + sid)]},
        }

    return render
