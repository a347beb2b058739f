"""Reading FINT into a graph: everything (full), or what changed since a watermark (delta).

The watermark is every class's ``last-updated`` stamp, taken before reading, so a
change made while the import runs is read again next time rather than lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson

from edusync.connectors.fint import pages
from edusync.connectors.fint.client import FintClient
from edusync.connectors.fint.graph import DELTA_ONLY, DELTA_SKIP, PUPIL_SIDE, Graph, Resource, resources
from edusync.connectors.fint.people import Person, PersonBuilder, anchor
from edusync.connectors.fint.settings import FintSettings
from edusync.errors import CollectionUnavailable, SourceError

CLASS_GROUPS = ("basisgruppe", "kontaktlarergruppe")


@dataclass
class Loaded:
    graph: Graph
    people: dict[str, Person]
    stamps: dict[str, int]
    today: dt.date

    def watermark(self) -> str:
        """Each class's stamp, the class groups' names (a renamed class changes its pupils' records), and
        the pupils who also work: a delta reads them again, so their anchor is the pupil's, as a full
        import makes it, even on a night their pupil side did not change."""
        names = {o["_path"]: o.get("navn") for kind in CLASS_GROUPS for o in self.graph.of_kind(kind)}
        dual = sorted(str(p.elev["_path"]) for p in self.people.values() if p.elev is not None and p.skoleressurs)
        return orjson.dumps({"stamps": self.stamps, "names": names, "dual": dual}).decode()

    def anchors(self) -> Iterator[tuple[str, Person]]:
        for p in self.people.values():
            yield anchor(self.graph, p), p


Warn = Callable[[str], None]


def _unavailable(res: Resource, s: FintSettings, exc: CollectionUnavailable, warn: Warn) -> None:
    """An optional collection missing is a warning; a required one stops the import, naming it."""
    why = "the client may not read it (403)" if exc.status == 403 else "no adapter serves it (404)"
    if res.name in s.optional:
        warn(f"FINT: {res.path} is not available ({why}); read on without it, as the profile allows")
        return
    raise CollectionUnavailable(
        f"FINT: {res.path} is required by this profile but {why}; ask the county's FINT admin for access "
        f"to it (docs/vigobas.md lists every collection)",
        collection=res.path,
        status=exc.status,
    ) from exc


def stamps_now(client: FintClient, s: FintSettings, warn: Warn | None = None) -> dict[str, int]:
    """Every class's ``last-updated``; an optional class FINT does not serve has none."""
    res = list(resources(s.model_version).values())

    def stamp(r: Resource) -> int | None:
        try:
            return client.last_updated(r.path)
        except CollectionUnavailable as exc:
            _unavailable(r, s, exc, warn or (lambda _: None))
            return None

    with ThreadPoolExecutor(s.parallel) as pool:
        values = list(pool.map(stamp, res))
    return {r.name: v for r, v in zip(res, values, strict=True) if v is not None}


GROUP_CLASSES = ("basisgruppe", "kontaktlarergruppe", "undervisningsgruppe")  # basisgruppe: klasse in v4 too


def _read(client: FintClient, g: Graph, res: Resource, since: int | None, warn: Warn) -> None:
    decode: pages.Decode = pages.whole
    if res.membership_of:
        decode = pages.memberships(res.membership_of)
    elif res.name in GROUP_CLASSES:
        decode = pages.groups(tuple(rel for rel in res.rels if (res.name, rel) not in g.skip))
    try:
        for page in client.collection(res.path, since=since, decode=decode):
            g.add(res, page)
    except CollectionUnavailable as exc:
        _unavailable(res, client.s, exc, warn)


def load(client: FintClient, s: FintSettings, today: dt.date, since: str | None, warn: Warn | None = None) -> Loaded:
    warn = warn or (lambda _: None)
    table = resources(s.model_version)
    stamps = stamps_now(client, s, warn)
    marks, names, dual = _parse(since)
    delta = marks is not None
    g = Graph(skip=DELTA_SKIP if delta else DELTA_ONLY)
    for res in table.values():
        mark = marks.get(res.name, 0) if marks is not None and res.name in PUPIL_SIDE else None
        # Read back an overlap before the mark: what changed at the mark itself is never lost (see settings).
        _read(client, g, res, None if mark is None else max(1, mark - s.delta_overlap_ms), warn)
    if delta:
        _complete_pupils(client, g, _renamed(g, names), dual)
    g.settle()
    builder = PersonBuilder(g, s.filters, today)
    for elev in g.of_kind("elev"):
        builder.add_pupil(elev)
    for sr in g.of_kind("skoleressurs"):
        builder.add_staff(sr)
    return Loaded(g, builder.people, stamps, today)


def _parse(since: str | None) -> tuple[dict[str, int] | None, dict[str, str], list[str]]:
    if since is None:
        return None, {}, []
    try:
        mark = orjson.loads(since)
        stamps = {str(k): int(v) for k, v in mark["stamps"].items()}
        return stamps, dict(mark.get("names") or {}), [str(p) for p in mark.get("dual") or ()]
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


def _complete_pupils(client: FintClient, g: Graph, renamed: list[str], dual: list[str]) -> None:
    """Follow links from what changed until every affected pupil is whole.

    Changed persons, relations and memberships point at their pupil; each affected
    pupil then needs its elev, person, elevforhold and their memberships.
    """
    table = resources(client.s.model_version)
    elev_paths: set[str] = set(g.order.get("elev", ())) | set(dual)
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
    # Links name a pupil by any identifier: count each elev once, by its anchor.
    g.order["elev"] = sorted({g.objects[p]["_path"] for p in elev_paths if p in g.objects})


def _fetch(client: FintClient, g: Graph, res: Resource, paths: list[str]) -> None:
    if not paths:
        return
    found: list[Any] = [obj for _, obj in client.fetch_many(sorted(set(paths))) if obj is not None]
    if res.membership_of:
        found = pages.membership_rows(res.membership_of, found, res.path)
    g.add(res, found)
