"""Read IMS Enterprise 1.1 and PIFU-IMS files as person, organisation, group and membership records.

Tolerant where real files differ (any namespace or none, ISO-8859-1 or UTF-8,
blanks around ids, ``<idtype>1</idtype>`` or ``<idtype idtype="1"/>``, roletype
as attribute or child element), strict where data would be wrong: a malformed
file, a record without an id, or an id repeated in one file is a
:class:`SourceError` naming the file, line and element. Parsing streams
(``iterparse``, entities and network off); each record is dropped once read.

A full import reads the newest full file in the folder (``properties/type`` full,
or no type: plain IMS-E files are snapshots) with the delta files named after it
applied on top; a delta import reads the files named after the watermark.
Records with ``recstatus="3"`` are deletions: left out of both.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from edusync.connectors.inputcheck import check_xml
from edusync.connectors.pifu import records
from edusync.errors import SourceError
from edusync.model.records import SourceRecord

Found = tuple[str, dict[str, Any] | None, int]  # anchor, attributes (None: deleted), line


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise SourceError(f"{path}: input file or folder not found")
    return sorted(p for p in path.iterdir() if p.suffix.lower() == ".xml" and not p.name.startswith("."))


def _events(path: Path, events: tuple[str, ...]) -> Any:
    return etree.iterparse(
        str(path), events=events, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
    )


def file_type(path: Path) -> str:
    """``full``, ``delta`` or ``event`` from ``properties/type``; a file without one is a full snapshot."""
    depth = 0
    try:
        for event, el in _events(path, ("start", "end")):
            name = etree.QName(el).localname
            depth += 1 if event == "start" else -1
            if event == "start" and depth == 2 and name not in ("comments", "properties"):
                break  # the records have begun: no type given
            if event == "end" and name == "type":
                return (el.text or "").strip().lower() or "full"
    except etree.XMLSyntaxError:
        pass  # reading the file itself reports where it breaks, naming the element
    return "full"


def select(path: Path, since: str | None) -> list[Path]:
    """The files an import reads, in order: after ``since``, or the newest full one and its deltas."""
    files = _files(path)
    if since is not None:
        return [f for f in files if f.name > since]
    if not files:
        raise SourceError(f"{path}: no .xml files to import")
    for i in range(len(files) - 1, -1, -1):
        if file_type(files[i]) == "full":
            return files[i:]
    raise SourceError(f"{path}: no full PIFU/IMS file (properties/type full) to import")


def parse(path: Path, object_type: str) -> Iterator[Found]:
    """Every record of ``object_type`` in one file, with its line; repeated anchors are an error."""
    stack: list[str] = []
    seen: set[str] = set()
    want = "membership" if object_type == "membership" else "group" if object_type != "person" else "person"
    check_xml(path)
    try:
        context = _events(path, ("start", "end"))
        reading: records.Reading | None = None
        for event, el in context:
            if event == "start":
                if reading is None:
                    reading = records.Reading(path, etree.QName(el).namespace)
                stack.append(etree.QName(el).localname)
                continue
            name = stack.pop()
            if len(stack) != 1:
                continue
            if name == want and reading is not None:
                for anchor, attrs, kind in reading.record(name, el):
                    if kind != object_type:
                        continue
                    if anchor in seen:
                        raise SourceError(f"{path}:{el.sourceline}: <{name}> repeats id {anchor!r}")
                    seen.add(anchor)
                    yield anchor, attrs, el.sourceline or 0
            el.clear()
            while el.getprevious() is not None:
                del el.getparent()[0]
    except etree.XMLSyntaxError as exc:
        where = f" in <{stack[-1]}>" if stack else ""
        raise SourceError(f"{path}:{exc.lineno}: malformed XML{where}: {exc.msg}") from exc
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from exc


def read(files: list[Path], object_type: str, *, delta: bool) -> Iterator[SourceRecord]:
    """Records of ``object_type`` from ``files`` (see the module docstring for full and delta)."""
    if not files:
        return
    if delta:
        merged: dict[str, dict[str, Any] | None] = {}
        for path in files:
            merged.update((a, attrs) for a, attrs, _ in parse(path, object_type))
        yield from (SourceRecord(a, attrs) for a, attrs in merged.items() if attrs is not None)
        return
    overlay: dict[str, dict[str, Any] | None] = {}
    for path in files[1:]:
        overlay.update((a, attrs) for a, attrs, _ in parse(path, object_type))
    for anchor, attrs, _ in parse(files[0], object_type):
        if anchor in overlay:
            attrs = overlay.pop(anchor)
        if attrs is not None:
            yield SourceRecord(anchor, attrs)
    yield from (SourceRecord(a, attrs) for a, attrs in overlay.items() if attrs is not None)
