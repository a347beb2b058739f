"""Turning a FINT collection page into entries: whole objects, or memberships decoded straight to slim rows.

Most classes are read as whole JSON objects. The three membership classes are a
million rows and more in a county, and of each row the agent keeps only three links
and a validity period; msgspec decodes just those fields into small structs and
skips the rest without building it, which is what makes a county's full read fast.
The group classes are decoded the same way, to the fields and links the agent uses:
a teaching group lists every pupil's elevforhold, a million links nobody reads.
Either way a page that is not what FINT sends names its path.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import msgspec
import orjson

from edusync.errors import SourceError

Entry = dict[str, Any]


class Page(NamedTuple):
    """One answer of a collection: its entries, ``total_items`` (the whole cache) and whether it links a next page."""

    entries: list[Any]
    total: int
    more: bool


#: bytes of one page and its path → the page
Decode = Callable[[bytes, str], Page]


def whole(body: bytes, path: str) -> Page:
    page = json_body(body, path)
    total = int(page.get("total_items") or 0) if isinstance(page, dict) else 0
    try:
        entries = page["_embedded"]["_entries"]
    except (KeyError, TypeError):
        if isinstance(page, dict) and page.get("total_items") == 0:
            return Page([], 0, False)
        raise SourceError(f"FINT page for {path} has no _embedded._entries") from None
    if not isinstance(entries, list):
        raise SourceError(f"FINT page for {path}: _entries is not a list")
    links = page.get("_links") if isinstance(page.get("_links"), dict) else {}
    return Page(entries, total, bool(links.get("next")))


def json_body(body: bytes, path: str) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise SourceError(f"FINT sent malformed JSON for {path} ({exc})") from exc


class Href(msgspec.Struct):
    href: str = ""


class Period(msgspec.Struct):
    start: str | None = None
    slutt: str | None = None


def _page_decoder(name: str, entry: Any) -> msgspec.json.Decoder[Any]:
    """A decoder of one HAL page whose entries are ``entry`` structs."""
    rows = list[entry]  # a struct made at run time
    embedded = msgspec.defstruct(f"Embedded_{name}", [("entries", rows, msgspec.field(name="_entries"))])
    page = msgspec.defstruct(
        f"Page_{name}",
        [
            ("embedded", embedded | None, msgspec.field(default=None, name="_embedded")),
            ("total_items", int, 0),
            ("links", _PageLinks | None, msgspec.field(default=None, name="_links")),
        ],
    )
    return msgspec.json.Decoder(page)


class _PageLinks(msgspec.Struct):
    next: list[Href] = msgspec.field(default_factory=list)


def _entries(decoder: msgspec.json.Decoder[Any], body: bytes, path: str) -> Page:
    try:
        got = decoder.decode(body)
    except msgspec.DecodeError as exc:
        raise SourceError(f"FINT sent a malformed page for {path} ({exc})") from exc
    more = got.links is not None and bool(got.links.next)
    if got.embedded is None:
        if got.total_items == 0:
            return Page([], 0, more)
        raise SourceError(f"FINT page for {path} has no _embedded._entries")
    return Page(list(got.embedded.entries), int(got.total_items), more)


@functools.cache
def _membership_types(group_rel: str) -> tuple[Any, msgspec.json.Decoder[Any]]:
    links = msgspec.defstruct(
        f"Links_{group_rel}",
        [
            ("self_", list[Href], msgspec.field(default_factory=list, name="self")),
            ("elevforhold", list[Href], msgspec.field(default_factory=list)),
            ("group", list[Href], msgspec.field(default_factory=list, name=group_rel)),
        ],
    )
    entry = msgspec.defstruct(
        f"Entry_{group_rel}",
        [
            ("gyldighetsperiode", Period | None, None),
            ("links", links | None, msgspec.field(default=None, name="_links")),
        ],
    )
    return list[entry], _page_decoder(group_rel, entry)  # type: ignore[valid-type]


def memberships(group_rel: str) -> Decode:
    """A page decoder for one membership class, whose group link is named ``group_rel``."""
    _, decoder = _membership_types(group_rel)
    return functools.partial(_entries, decoder)


def membership_rows(group_rel: str, objects: list[Entry], path: str) -> list[Any]:
    """Memberships fetched one by one (a delta follows links to them), as the slim structs pages give."""
    rows, _ = _membership_types(group_rel)
    try:
        return list(msgspec.convert(objects, rows))
    except msgspec.ValidationError as exc:
        raise SourceError(f"FINT sent a malformed membership from {path} ({exc})") from exc


#: What the agent reads of a group (basisgruppe/klasse, kontaktlærergruppe, undervisningsgruppe).
GROUP_FIELDS = ("systemId", "navn", "beskrivelse", "periode")


@functools.cache
def _group_decoder(rels: tuple[str, ...]) -> msgspec.json.Decoder[Any]:
    name = "group_" + "_".join(rels)
    links = msgspec.defstruct(
        f"Links_{name}",
        [(f"r_{rel}", list[Href], msgspec.field(default_factory=list, name=rel)) for rel in ("self", *rels)],
    )
    entry = msgspec.defstruct(
        f"Entry_{name}",
        [(field, Any, None) for field in GROUP_FIELDS]
        + [("links", links | None, msgspec.field(default=None, name="_links"))],
    )
    return _page_decoder(name, entry)


def groups(rels: tuple[str, ...]) -> Decode:
    """A page decoder for a group class that keeps ``rels`` of its links: entries shaped as :func:`whole` gives."""
    decoder = _group_decoder(rels)
    names = ("self", *rels)

    def decode(body: bytes, path: str) -> Page:
        found, total, more = _entries(decoder, body, path)
        out: list[Entry] = []
        for e in found:
            entry: Entry = {name: value for name in GROUP_FIELDS if (value := getattr(e, name)) is not None}
            if e.links is not None:
                entry["_links"] = {rel: [{"href": h.href} for h in getattr(e.links, f"r_{rel}")] for rel in names}
            out.append(entry)
        return Page(out, total, more)

    return decode
