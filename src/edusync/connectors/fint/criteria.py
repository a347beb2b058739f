"""The agent's import criteria (VIGO-BAS: «Kriterier for å importere personer fra VIS»).

A relation is *active* when today lies within its validity period; it is *valid*
when it is active and passes the county's filters. Pure functions over the graph.

Each check finds the first reason a relation fails (a short code, ``None`` when it passes); the
import asks only whether there is one, ``edusync explain`` turns it into a :class:`Verdict`
sentence, so both read the same decision.
"""

from __future__ import annotations

import datetime as dt

from edusync.connectors.fint.graph import Graph, Obj, ident, period
from edusync.connectors.fint.settings import Filters
from edusync.model.verdicts import Verdict


def active(start: str | None, end: str | None, today: dt.date) -> bool:
    """Start and end are inclusive dates; a missing start or end is open."""
    day = today.isoformat()
    return (start is None or start <= day) and (end is None or day <= end)


def passes(code: str | None, include: list[str], exclude: list[str]) -> bool:
    if code is not None and code in exclude:
        return False
    return not include or code in include


def code(g: Graph, obj: Obj | None, rel: str) -> str | None:
    target = g.one(obj, rel)
    return None if target is None else str(target.get("kode") or "") or None


def _elevforhold_fails(g: Graph, ef: Obj, filters: Filters, today: dt.date) -> str | None:
    start, end = period(ef)
    if not active(start, end, today):
        return "inactive"
    if not passes(code(g, ef, "kategori"), filters.elevkategori_include, filters.elevkategori_exclude):
        return "elevkategori"
    return None


def valid_elevforhold(g: Graph, ef: Obj, filters: Filters, today: dt.date) -> bool:
    """Active today, and its pupil category (``elevkategori``) passes the filter."""
    return _elevforhold_fails(g, ef, filters, today) is None


def sid(obj: Obj | None) -> str:
    """The id a person reads in FINT's client: the last segment of the object's anchor."""
    return "?" if obj is None else str(obj["_path"]).rsplit("/", 1)[-1]


def _when(start: str | None, end: str | None, today: dt.date) -> str:
    if start is not None and start > today.isoformat():
        return f"starts {start}"
    if end is not None and end < today.isoformat():
        return f"ended {end}"
    return f"runs {start or '…'} to {end or '…'}"


def why_elevforhold(g: Graph, ef: Obj, filters: Filters, today: dt.date) -> Verdict:
    """:func:`valid_elevforhold` with its reason: ``elevforhold 74653771 ended 2026-06-20``."""
    start, end = period(ef)
    school = g.one(ef, "skole")
    values = {"elevforhold": sid(ef), "start": start, "end": end, "skole": ident(school, "skolenummer")}
    fails = _elevforhold_fails(g, ef, filters, today)
    if fails == "inactive":
        return Verdict("elevforhold", False, f"elevforhold {sid(ef)} {_when(start, end, today)}", values)
    category = code(g, ef, "kategori")
    values["elevkategori"] = category
    if fails == "elevkategori":
        return Verdict("elevkategori", False, f"elevforhold {sid(ef)} has elevkategori {category}, which the filter "
                       "leaves out", values)  # fmt: skip
    at = f" at skole {values['skole']}" if values["skole"] else ""
    return Verdict("elevforhold", True, f"elevforhold {sid(ef)}{at} {_when(start, end, today)}", values)


def school_of_unit(g: Graph, unit: Obj | None, limit: int = 30) -> Obj | None:
    """The school an org unit belongs to: its own ``skole`` link or the nearest ancestor's."""
    seen = 0
    while unit is not None and seen < limit:
        school = g.one(unit, "skole")
        if school is not None:
            return school
        parent = g.one(unit, "overordnet")
        if parent is unit or parent is None:
            return None
        unit, seen = parent, seen + 1
    return None


def _arbeidsforhold_fails(g: Graph, af: Obj, personal: Obj | None, filters: Filters, today: dt.date) -> str | None:
    start, end = period(af)
    if not active(start, end, today):
        return "inactive"
    f = filters
    if not passes(code(g, personal, "personalressurskategori"), f.personalressurskategori_include,
                  f.personalressurskategori_exclude):  # fmt: skip
        return "personalressurskategori"
    if not passes(code(g, af, "arbeidsforholdstype"), f.arbeidsforholdstype_include, f.arbeidsforholdstype_exclude):
        return "arbeidsforholdstype"
    if not passes(code(g, af, "stillingskode"), f.stillingskode_include, f.stillingskode_exclude):
        return "stillingskode"
    return None


def valid_arbeidsforhold(g: Graph, af: Obj, personal: Obj | None, filters: Filters, today: dt.date) -> Obj | None:
    """The school of a valid employment: active, at a workplace in a school, passing every filter."""
    if _arbeidsforhold_fails(g, af, personal, filters, today) is not None:
        return None
    return school_of_unit(g, g.one(af, "arbeidssted"))


def why_arbeidsforhold(g: Graph, af: Obj, personal: Obj | None, filters: Filters, today: dt.date) -> Verdict:
    """:func:`valid_arbeidsforhold` with its reason (``arbeidsforhold 123 at a workplace that is not a school``)."""
    start, end = period(af)
    place = g.one(af, "arbeidssted")
    values: dict[str, object] = {"arbeidsforhold": sid(af), "start": start, "end": end, "arbeidssted": sid(place)}
    fails = _arbeidsforhold_fails(g, af, personal, filters, today)
    name = f"arbeidsforhold {sid(af)}"
    if fails == "inactive":
        return Verdict("arbeidsforhold", False, f"{name} {_when(start, end, today)}", values)
    values["personalressurskategori"] = code(g, personal, "personalressurskategori")
    values |= {rel: code(g, af, rel) for rel in ("arbeidsforholdstype", "stillingskode")}
    if fails is not None:
        return Verdict(fails, False, f"{name} has {fails} {values[fails]}, which the filter leaves out", values)
    school = school_of_unit(g, place)
    if school is None:
        return Verdict("arbeidssted", False, f"{name} at a workplace that is not a school ({sid(place)})", values)
    values["skole"] = ident(school, "skolenummer")
    return Verdict("arbeidsforhold", True, f"{name} at skole {values['skole']} {_when(start, end, today)}", values)


def teaches(g: Graph, uf: Obj) -> bool:
    """An *active teacher*: the teaching relation links at least one class or teaching group."""
    return any(g.rel(uf, rel) for rel in ("basisgruppe", "klasse", "undervisningsgruppe", "kontaktlarergruppe"))


def leads_school(g: Graph, personal: Obj | None, school: Obj) -> bool:
    """A rector: the leader (``leder``) of the org unit the school points at."""
    unit = g.one(school, "organisasjon")
    return personal is not None and unit is not None and personal["_path"] in g.rel(unit, "leder")
