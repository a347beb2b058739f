"""Checks on a source file before it is read: no DTD in an XML file, and no encoding that lies.

An XML file with a DTD can define entities that inject or blank values (an external entity
became an empty given name); such a file is refused, not read with its entities ignored. A file
declared ISO-8859-1 (or Windows-1252) whose bytes are UTF-8 would turn every ``ø`` into ``Ã¸``
for every name it holds; read as what it says it is, it would update hundreds of names to
mojibake, so it is refused and the error says what to fix. Latin-1 text with letters outside
ASCII almost never happens to be valid UTF-8 throughout, which makes the check reliable.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from edusync.errors import SourceError

#: Encodings a file may claim whose bytes are not UTF-8 (the ones Norwegian exports use).
SINGLE_BYTE = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "iso-8859-15", "latin-9", "cp1252", "windows-1252"}
_HEAD = 65_536
_DECLARED = re.compile(rb"""<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)\b", re.IGNORECASE)


def _is_utf8(path: Path) -> bool:
    """Whether the file decodes as UTF-8 and holds at least one byte outside ASCII."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    beyond_ascii = False
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
            beyond_ascii = beyond_ascii or max(chunk) >= 0x80
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return beyond_ascii


def _mislabelled(path: Path, declared: str) -> None:
    if declared.lower() in SINGLE_BYTE and _is_utf8(path):
        raise SourceError(
            f"{path}: declared {declared} but its bytes are UTF-8 (read as {declared}, 'ø' would become 'Ã¸'); "
            "nothing was imported: fix the file's declared encoding (or the connector's `encoding`)",
            file=str(path),
        )


def check_xml(path: Path) -> None:
    """Refuse an XML file with a DTD or entity declaration, or whose declared encoding is wrong."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}", file=str(path)) from exc
    found = _DTD.search(head)
    if found:
        line = head[: found.start()].count(b"\n") + 1
        raise SourceError(
            f"{path}:{line}: the file has a {found.group(1).decode().upper()} declaration; XML with a DTD or "
            "entities is refused, as entities can inject or blank values",
            file=str(path),
            line=line,
        )
    declared = _DECLARED.match(head.lstrip(b"\xef\xbb\xbf \t\r\n"))
    if declared:
        _mislabelled(path, declared.group(1).decode("ascii"))


def check_text(path: Path, encoding: str) -> None:
    """Refuse a text file configured as a single-byte encoding whose bytes are UTF-8."""
    _mislabelled(path, encoding)
