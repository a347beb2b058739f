"""Reading FINT into a graph: everything (full), or what changed since a watermark (delta).

The watermark is every class's ``last-updated`` stamp, taken before reading, so a
change made while the import runs is read again next time rather than lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson

from edusync.connectors.fint import pages
from edusync.connectors.fint.client import FintClient
from edusync.connectors.fint.graph import DELTA_ONLY, DELTA_SKIP, PUPIL_SIDE, Graph, Resource, resources
from edusync.connectors.fint.people import Person, PersonBuilder, anchor
from edusync.connectors.fint.settings import FintSettings
from edusync.errors import SourceError

CLASS_GROUPS = ("basisgruppe", "kontaktlarergruppe")


@dataclass
class Loaded:
    graph: Graph
    people: dict[str, Person]
    stamps: dict[str, int]
    today: dt.date

    def watermark(self) -> str:
        """Each class's stamp, and the class groups' names: a renamed class changes its pupils' records."""
        names = {o["_path"]: o.get("navn") for kind in CLASS_GROUPS for o in self.graph.of_kind(kind)}
        return orjson.dumps({"stamps": self.stamps, "names": names}).decode()

    def anchors(self) -> Iterator[tuple[str, Person]]:
        for p in self.people.values():
            yield anchor(self.graph, p), p


def stamps_now(client: FintClient, s: FintSettings) -> dict[str, int]:
    res = list(resources(s.model_version).values())
    with ThreadPoolExecutor(s.parallel) as pool:
        values = list(pool.map(lambda r: client.last_updated(r.path), res))
    return {r.name: v for r, v in zip(res, values, strict=True)}


GROUP_CLASSES = ("basisgruppe", "kontaktlarergruppe", "undervisningsgruppe")  # basisgruppe: klasse in v4 too


def _read(client: FintClient, g: Graph, res: Resource, since: int | None) -> None:
    decode: pages.Decode = pages.whole
    if res.membership_of:
        decode = pages.memberships(res.membership_of)
    elif res.name in GROUP_CLASSES:
        decode = pages.groups(tuple(rel for rel in res.rels if (res.name, rel) not in g.skip))
    for page in client.collection(res.path, since=since, decode=decode):
        g.add(res, page)


def load(client: FintClient, s: FintSettings, today: dt.date, since: str | None) -> Loaded:
    table = resources(s.model_version)
    stamps = stamps_now(client, s)
    marks, names = _parse(since)
    delta = marks is not None
    g = Graph(skip=DELTA_SKIP if delta else DELTA_ONLY)
    for res in table.values():
        _read(client, g, res, marks.get(res.name, 0) if marks is not None and res.name in PUPIL_SIDE else None)
    if delta:
        _complete_pupils(client, g, _renamed(g, names))
    builder = PersonBuilder(g, s.filters, today)
    for elev in g.of_kind("elev"):
        builder.add_pupil(elev)
    for sr in g.of_kind("skoleressurs"):
        builder.add_staff(sr)
    return Loaded(g, builder.people, stamps, today)


def _parse(since: str | None) -> tuple[dict[str, int] | None, dict[str, str]]:
    if since is None:
        return None, {}
    try:
        mark = orjson.loads(since)
        return {str(k): int(v) for k, v in mark["stamps"].items()}, dict(mark.get("names") or {})
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as exc:
        raise SourceError(f"the FINT watermark {since[:60]!r} is not what this connector wrote") from exc


def _renamed(g: Graph, names: dict[str, str]) -> list[str]:
    """Elevforhold in the class groups whose name differs from last time."""
    out: list[str] = []
    for kind in CLASS_GROUPS:
        for grp in g.of_kind(kind):
            old = names.get(grp["_path"])
            if old is not None and old != grp.get("navn"):
                out += g.rel(grp, "elevforhold")
    return out


def _complete_pupils(client: FintClient, g: Graph, renamed: list[str]) -> None:
    """Follow links from what changed until every affected pupil is whole.

    Changed persons, relations and memberships point at their pupil; each affected
    pupil then needs its elev, person, elevforhold and their memberships.
    """
    table = resources(client.s.model_version)
    elev_paths: set[str] = set(g.order.get("elev", ()))
    for obj in g.of_kind("elevperson"):
        elev_paths.update(g.rel(obj, "elev"))
    ef_paths = set(g.order.get("elevforhold", ())) | set(renamed)
    for rows in g.memberships.values():
        ef_paths.update(m[3] for m in rows)
    _fetch(client, g, table["elevforhold"], [p for p in ef_paths if p not in g.objects])
    for p in ef_paths:
        elev_paths.update(g.rel(g.get(p), "elev"))
    _fetch(client, g, table["elev"], [p for p in elev_paths if p not in g.objects])
    elevs = [e for p in elev_paths if (e := g.get(p)) is not None]
    persons = [p for e in elevs for p in g.rel(e, "person") if p not in g.objects]
    _fetch(client, g, table["elevperson"], persons)
    efs = [p for e in elevs for p in g.rel(e, "elevforhold") if p not in g.objects]
    _fetch(client, g, table["elevforhold"], efs)
    known = {m[0] for rows in g.memberships.values() for m in rows}
    efs_of_pupils = [g.get(p) for e in elevs for p in g.rel(e, "elevforhold")]
    for name in ("basisgruppemedlemskap", "kontaktlarergruppemedlemskap", "undervisningsgruppemedlemskap"):
        rel = "klassemedlemskap" if name == "basisgruppemedlemskap" and client.s.model_version == "v4" else name
        # One parallel fetch per class for every affected pupil, not one per pupil.
        _fetch(client, g, table[name], [p for ef in efs_of_pupils for p in g.rel(ef, rel) if p not in known])
    g.order["elev"] = sorted(elev_paths & set(g.objects))


def _fetch(client: FintClient, g: Graph, res: Resource, paths: list[str]) -> None:
    if not paths:
        return
    found: list[Any] = [obj for _, obj in client.fetch_many(sorted(set(paths))) if obj is not None]
    if res.membership_of:
        found = pages.membership_rows(res.membership_of, found, res.path)
    g.add(res, found)
