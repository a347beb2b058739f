"""FINT's resources held as a graph of slim objects, keyed by the paths that link them.

FINT links objects by URL (``…/systemid/74000004``); edusync keys them by the URL's
path without the API's host, so the same county reads the same through any base URL.
An object has one self link per identifier and others link to it by any of them
(a group names its school by ``skolenummer``, an elevforhold by ``systemid``), so
every self path leads to the object, and each object is anchored on one of them
(:func:`canonical`: systemId where it has one, whatever order FINT lists them in);
:meth:`Graph.settle` rewrites every link to that anchor once everything is read.
Only the fields and relations the agent uses are kept, which is what lets a county of
1.5 million memberships fit in memory: a membership is a tuple, not a dict.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from edusync.connectors.fint.clock import oslo_day

Obj = dict[str, Any]


@dataclass(frozen=True)
class Resource:
    name: str
    path: str
    #: relations kept, by their link name
    rels: tuple[str, ...] = ()
    #: memberships: kept as (path, start, end, elevforhold, group)
    membership_of: str = ""


def resources(version: str) -> dict[str, Resource]:
    """Every class the agent reads, for model version ``v3`` (basisgruppe) or ``v4`` (klasse)."""
    bg = "klasse" if version == "v4" else "basisgruppe"
    bgm = "klassemedlemskap" if version == "v4" else "basisgruppemedlemskap"
    group_rels = ("skole", "skolear", "trinn", "fag", "undervisningsforhold", "elevforhold")
    table = [
        Resource("skole", "/utdanning/utdanningsprogram/skole", ("organisasjon", "basisgruppe", "klasse",
                 "undervisningsgruppe", "kontaktlarergruppe", "skoleressurs")),
        Resource("organisasjonselement", "/administrasjon/organisasjon/organisasjonselement",
                 ("overordnet", "leder", "skole")),
        Resource("arstrinn", "/utdanning/utdanningsprogram/arstrinn"),
        Resource("skolear", "/utdanning/kodeverk/skolear"),
        Resource("elevkategori", "/utdanning/kodeverk/elevkategori"),
        Resource("fag", "/utdanning/timeplan/fag"),
        Resource("stillingskode", "/administrasjon/kodeverk/stillingskode"),
        Resource("arbeidsforholdstype", "/administrasjon/kodeverk/arbeidsforholdstype"),
        Resource("personalressurskategori", "/administrasjon/kodeverk/personalressurskategori"),
        Resource("basisgruppe", f"/utdanning/elev/{bg}", group_rels),
        Resource("kontaktlarergruppe", "/utdanning/elev/kontaktlarergruppe", group_rels),
        Resource("undervisningsgruppe", "/utdanning/timeplan/undervisningsgruppe", group_rels),
        Resource("skoleressurs", "/utdanning/elev/skoleressurs", ("personalressurs", "person", "skole",
                 "undervisningsforhold")),
        Resource("undervisningsforhold", "/utdanning/elev/undervisningsforhold", ("skoleressurs", "arbeidsforhold",
                 "skole", "basisgruppe", "klasse", "undervisningsgruppe", "kontaktlarergruppe")),
        Resource("personalressurs", "/administrasjon/personal/personalressurs", ("person", "arbeidsforhold",
                 "personalressurskategori", "skoleressurs")),
        Resource("arbeidsforhold", "/administrasjon/personal/arbeidsforhold", ("personalressurs", "arbeidssted",
                 "stillingskode", "arbeidsforholdstype")),
        Resource("ansattperson", "/administrasjon/personal/person"),
        Resource("elev", "/utdanning/elev/elev", ("person", "elevforhold")),
        Resource("elevperson", "/utdanning/elev/person", ("elev",)),
        Resource("elevforhold", "/utdanning/elev/elevforhold", ("elev", "skole", "kategori", "basisgruppemedlemskap",
                 "klassemedlemskap", "kontaktlarergruppemedlemskap", "undervisningsgruppemedlemskap")),
        Resource("basisgruppemedlemskap", f"/utdanning/elev/{bgm}", membership_of=bg),
        Resource("kontaktlarergruppemedlemskap", "/utdanning/elev/kontaktlarergruppemedlemskap",
                 membership_of="kontaktlarergruppe"),
        Resource("undervisningsgruppemedlemskap", "/utdanning/timeplan/undervisningsgruppemedlemskap",
                 membership_of="undervisningsgruppe"),
    ]  # fmt: skip
    return {r.name: r for r in table}


#: Links a full read has no use for (it reads the memberships whole); a delta follows them.
DELTA_ONLY = frozenset(
    {("elevforhold", rel) for rel in ("basisgruppemedlemskap", "klassemedlemskap", "kontaktlarergruppemedlemskap",
                                      "undervisningsgruppemedlemskap")}
    | {(group, "elevforhold") for group in ("basisgruppe", "kontaktlarergruppe", "undervisningsgruppe")}
)  # fmt: skip
#: Links a delta has no use for: only class groups are followed to their pupils (a renamed class).
DELTA_SKIP = frozenset({("undervisningsgruppe", "elevforhold")})
#: The pupil side: large, read by delta when a full read is not asked for.
PUPIL_SIDE = ("elev", "elevperson", "elevforhold", "basisgruppemedlemskap", "kontaktlarergruppemedlemskap",
              "undervisningsgruppemedlemskap")  # fmt: skip

Membership = tuple[str, str | None, str | None, str, str]


_ROOTS = ("/utdanning/", "/administrasjon/", "/felles/")
#: The identifier an object is anchored on, best first: stable ids before names and numbers people change.
ANCHOR_IDS = ("systemid", "organisasjonsid", "fodselsnummer")


def canonical(selfs: tuple[str, ...]) -> str:
    """The self path an object is known by: the first identifier of :data:`ANCHOR_IDS` it has, else its first."""
    for wanted in ANCHOR_IDS:
        for path in selfs:
            if path.rsplit("/", 2)[-2] == wanted:
                return path
    return selfs[0]


def link_path(href: str, *, keep: bool = True) -> str:
    """``https://host/base/utdanning/elev/elev/systemid/X`` → ``/utdanning/elev/elev/systemid/X``.

    The identifier's name is lower-cased (FINT links use ``systemid``; objects say ``systemId``).
    Called for millions of links that share a few dozen heads, so each head is normalised
    once. Paths that recur (groups, relations) are interned; ``keep=False`` for ones seen once.
    """
    head, _, value = href.rpartition("/")
    norm = _HEADS.get(head)
    if norm is None:
        norm = _normal_head(head)
        if len(_HEADS) < 10_000:  # a bound, in case a source sends a head per object
            _HEADS[head] = norm
    if "%" in value:
        value = unquote(value)
    path = f"{norm}/{value}"
    return sys.intern(path) if keep else path


_HEADS: dict[str, str] = {}


def _normal_head(head: str) -> str:
    for root in _ROOTS:
        at = head.find(root)
        if at >= 0:
            head = head[at:]
            break
    else:
        head = urlsplit(head).path
    if "%" in head:
        head = unquote(head)
    kind_at = head.rfind("/")
    kind = head[kind_at:]
    return head if kind.islower() else head[:kind_at] + kind.lower()


def _links(entry: Obj, rel: str) -> tuple[str, ...]:
    hrefs = entry.get("_links", {}).get(rel)
    if not hrefs:
        return ()
    out = []
    for x in hrefs:  # a plain loop: this runs for every link of a county, a generator costs a third more
        href = x.get("href")
        if href:
            out.append(link_path(href))
    return tuple(out)


def _period(value: Any) -> tuple[str | None, str | None]:
    """A ``Periode`` as its first and last day in Oslo (FINT's timestamps are UTC)."""
    if not isinstance(value, dict):
        return None, None
    start, end = value.get("start"), value.get("slutt")
    return (sys.intern(oslo_day(start)) if start else None), (sys.intern(oslo_day(end)) if end else None)


@dataclass
class Graph:
    """Objects by every self path, memberships by class, and the order classes list them in."""

    objects: dict[str, Obj] = field(default_factory=dict)
    #: (class, relation) pairs not kept
    skip: frozenset[tuple[str, str]] = frozenset()
    order: dict[str, list[str]] = field(default_factory=dict)
    memberships: dict[str, list[Membership]] = field(default_factory=dict)

    def add(self, res: Resource, entries: Iterable[Obj]) -> None:
        if res.membership_of:
            self._add_memberships(res, entries)
            return
        ordered = self.order.setdefault(res.name, [])
        kept = [rel for rel in res.rels if (res.name, rel) not in self.skip]
        objects = self.objects
        for e in entries:
            selfs = _links(e, "self")
            if not selfs:
                continue
            obj = {k: v for k, v in e.items() if k != "_links"}
            obj["_kind"] = res.name
            obj["_path"] = anchor = canonical(selfs)
            obj["_l"] = {rel: links for rel in kept if (links := _links(e, rel))}
            if anchor not in objects:  # read again (a delta's overlap, a page that shifted): the newer copy wins
                ordered.append(anchor)
            for p in selfs:
                objects[p] = obj

    def _add_memberships(self, res: Resource, entries: Iterable[Any]) -> None:
        """The hot path of a full read (1.5 million rows in a county): one tuple per row.

        ``entries`` are the slim structs of :func:`edusync.connectors.fint.pages.memberships`.
        """
        rows = self.memberships.setdefault(res.name, [])
        intern = sys.intern
        for e in entries:
            links = e.links
            if links is None or not (links.self_ and links.elevforhold and links.group):
                continue  # a membership without its two ends says nothing
            own, ef, grp = links.self_[0].href, links.elevforhold[0].href, links.group[0].href
            if not (own and ef and grp):
                continue
            period = e.gyldighetsperiode
            start = end = None
            if period is not None:
                start = intern(oslo_day(period.start)) if period.start else None
                end = intern(oslo_day(period.slutt)) if period.slutt else None
            rows.append((link_path(own, keep=False), start, end, link_path(ef), link_path(grp)))

    def settle(self) -> None:
        """Point every link at its target's anchor, and keep one row per membership.

        Run once everything is read: a link may name an object by any of its identifiers,
        and an object read twice (a delta read with an overlap) must count once.
        """
        objects = self.objects
        alias = {p: o["_path"] for p, o in objects.items() if p != o["_path"]}
        if alias:
            done: set[int] = set()
            for obj in objects.values():
                if id(obj) in done:
                    continue
                done.add(id(obj))
                for rel, links in obj["_l"].items():
                    if any(p in alias for p in links):
                        obj["_l"][rel] = tuple(dict.fromkeys(alias.get(p, p) for p in links))
        for name, rows in self.memberships.items():
            unique = {m[0]: m for m in rows}  # the last read of a membership is the newest
            if alias:
                unique = {
                    k: (m[0], m[1], m[2], alias.get(m[3], m[3]), alias.get(m[4], m[4])) for k, m in unique.items()
                }
            if len(unique) != len(rows) or alias:
                self.memberships[name] = list(unique.values())

    def get(self, path: str | None) -> Obj | None:
        return None if path is None else self.objects.get(path)

    def rel(self, obj: Obj | None, name: str) -> tuple[str, ...]:
        if obj is None:
            return ()
        links: tuple[str, ...] = obj["_l"].get(name, ())
        return links

    def one(self, obj: Obj | None, name: str) -> Obj | None:
        links = self.rel(obj, name)
        return self.objects.get(links[0]) if links else None

    def of_kind(self, kind: str) -> list[Obj]:
        return [self.objects[p] for p in self.order.get(kind, ()) if p in self.objects]


def ident(obj: Obj | None, name: str) -> str | None:
    """The value of an ``Identifikator`` field."""
    if obj is None:
        return None
    value = obj.get(name)
    if isinstance(value, dict):
        v = value.get("identifikatorverdi")
        return str(v).strip() if v not in (None, "") else None
    return None


def period(obj: Obj | None, name: str = "gyldighetsperiode") -> tuple[str | None, str | None]:
    if obj is None:
        return None, None
    value = obj.get(name)
    if isinstance(value, list):  # Gruppe.periode is a list; the first is the current one
        value = value[0] if value else None
    return _period(value)
