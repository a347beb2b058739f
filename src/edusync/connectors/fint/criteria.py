"""The agent's import criteria (VIGO-BAS: «Kriterier for å importere personer fra VIS»).

A relation is *active* when today lies within its validity period; it is *valid*
when it is active and passes the county's filters. Pure functions over the graph.
"""

from __future__ import annotations

import datetime as dt

from edusync.connectors.fint.graph import Graph, Obj, period
from edusync.connectors.fint.settings import Filters


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


def valid_elevforhold(g: Graph, ef: Obj, filters: Filters, today: dt.date) -> bool:
    """Active today, and its pupil category (``elevkategori``) passes the filter."""
    start, end = period(ef)
    if not active(start, end, today):
        return False
    return passes(code(g, ef, "kategori"), filters.elevkategori_include, filters.elevkategori_exclude)


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


def valid_arbeidsforhold(g: Graph, af: Obj, personal: Obj | None, filters: Filters, today: dt.date) -> Obj | None:
    """The school of a valid employment: active, at a workplace in a school, passing every filter."""
    start, end = period(af)
    if not active(start, end, today):
        return None
    f = filters
    if not passes(code(g, personal, "personalressurskategori"), f.personalressurskategori_include,
                  f.personalressurskategori_exclude):  # fmt: skip
        return None
    if not passes(code(g, af, "arbeidsforholdstype"), f.arbeidsforholdstype_include, f.arbeidsforholdstype_exclude):
        return None
    if not passes(code(g, af, "stillingskode"), f.stillingskode_include, f.stillingskode_exclude):
        return None
    return school_of_unit(g, g.one(af, "arbeidssted"))


def teaches(g: Graph, uf: Obj) -> bool:
    """An *active teacher*: the teaching relation links at least one class or teaching group."""
    return any(g.rel(uf, rel) for rel in ("basisgruppe", "klasse", "undervisningsgruppe", "kontaktlarergruppe"))


def leads_school(g: Graph, personal: Obj | None, school: Obj) -> bool:
    """A rector: the leader (``leder``) of the org unit the school points at."""
    unit = g.one(school, "organisasjon")
    return personal is not None and unit is not None and personal["_path"] in g.rel(unit, "leder")
