"""Write one PIFU-IMS 1.3 document, record by record, as text built from fixed tags.

Only one chunk of records (a few thousand) is ever in memory, so a county's 1.5
million memberships stream to disk. Records are text rather than lxml elements
because building and serialising a tree per record cost more than everything
else in writing a county-l file together. Tags are constants; every value goes
through :func:`text` (or :func:`attr`), which escape exactly what libxml2 escapes,
so the files are byte for byte the ones lxml's ``xmlfile`` wrote. Records are
written inside the root, which declares the PIFU namespace as the default, and
follow the XSD's sequence order, which the profile requires (tests validate every
file they write against the XSD).

A value XML 1.0 cannot carry at all (a control character) is refused when the
change arrives (:func:`.normalize.unwritable`); each chunk is checked again before
it is written, so a file is never published half readable.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, NoReturn

from edusync.connectors.pifu import vocab
from edusync.connectors.pifu.normalize import GROUP, MEMBERSHIP, NONCHAR, ORG, PERSON, Canon
from edusync.errors import FatalError
from edusync.model.fnr import mask

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"}
)
_RECSTATUS = {None: "", 0: "", 1: ' recstatus="1"', 2: ' recstatus="2"', 3: ' recstatus="3"'}
#: Every byte but the C0 controls XML 1.0 forbids: deleting these from a chunk leaves only the bad ones.
_GOOD_BYTES = bytes(b for b in range(256) if b >= 0x20 or b in (0x09, 0x0A, 0x0D))
_FIRST_ID = re.compile("<id>([^<]*)</id>")
_ADR = ("street", "locality", "pcode", "country")
_CHUNK = 4096  # records per write: about 1 MB of text


def text(value: str) -> str:
    """``value`` as element content."""
    if "&" in value or "<" in value or ">" in value or "\r" in value:
        return value.translate(_TEXT)
    return value


def attr(value: str) -> str:
    """``value`` as an attribute value (between double quotes)."""
    return value.translate(_ATTR)


def _el(tag: str, value: str) -> str:
    return f"<{tag}>{text(value)}</{tag}>"


def _timeframe(tf: dict[str, str] | None) -> str:
    if not tf:
        return ""
    parts = [f'<{p} restrict="0">{text(tf[p])}</{p}>' for p in ("begin", "end") if p in tf]
    if "adminperiod" in tf:
        parts.append(_el("adminperiod", tf["adminperiod"]))
    return f"<timeframe>{''.join(parts)}</timeframe>"


def person(sid: str, key: str, c: Canon, recstatus: int | None, active: bool) -> str:
    """A ``<person>`` line; ``sid`` is the opening of a ``sourcedid`` up to its ``<id>``."""
    out = [f"<person{_RECSTATUS[recstatus]}>{sid}{text(key)}</id></sourcedid>"]
    out += [f'<userid useridtype="{attr(utype)}">{text(value)}</userid>' for utype, value in c["ids"]]
    given, family = text(c["given"]), text(c["family"])
    out.append(f"<name><fn>{text(c['fn'])}</fn><n><family>{family}</family><given>{given}</given></n></name>")
    if "gender" in c or "bday" in c:
        demo = [_el(tag, c[tag]) for tag in ("gender", "bday") if tag in c]
        out.append(f"<demographics>{''.join(demo)}</demographics>")
    out += [_el(tag, c[tag]) for tag in ("email", "url") if tag in c]
    out += [f'<tel teltype="{attr(teltype)}">{text(number)}</tel>' for teltype, number in c.get("tel", ())]
    if "adr" in c:
        adr = c["adr"]
        out.append(f"<adr>{''.join(_el(t, adr[t]) for t in _ADR if t in adr)}</adr>")
    ext: dict[str, Any] = c.get("ext", {})
    if ext or not active:
        out.append("<extension>")
        out += [f'<pifu_email type="{attr(etype)}">{text(v)}</pifu_email>' for etype, v in ext.get("email", ())]
        if not active:  # soft-deleted, kept in the file (setting soft_delete: inactive)
            out.append('<pifu_status type="activeInactive">inaktiv</pifu_status>')
        if "pupilStatus" in ext:
            out.append(f'<pifu_status type="pupilStatus">{text(ext["pupilStatus"])}</pifu_status>')
        for guardian in ext.get("guardians", ()):
            out.append(f'<pifu_hasContactPerson type="guardian">{sid}{text(guardian)}</id></sourcedid>')
            out.append("</pifu_hasContactPerson>")
        out.append("</extension>")
    out.append("</person>\n")
    return "".join(out)


def _pifu_id(kind: str, value: str, scope: str, unique: str) -> str:
    return (
        f'<pifu_id type="{kind}"><pifu_value>{text(value)}</pifu_value>'
        f"<pifu_scope>{scope}</pifu_scope><pifu_unique>{unique}</pifu_unique></pifu_id>"
    )


def group(sid: str, key: str, c: Canon, recstatus: int | None, label: str) -> str:
    """A ``<group>`` line (an org unit or a group)."""
    scheme, level = vocab.GROUP_TYPES[c["type"]]
    out = [
        f"<group{_RECSTATUS[recstatus]}>{sid}{text(key)}</id></sourcedid>",
        f'<grouptype><scheme>{scheme}</scheme><typevalue level="{level}">{text(c["type"])}</typevalue></grouptype>',
        f"<description>{_el('short', c['short'])}{_el('long', c['long']) if 'long' in c else ''}</description>",
        _timeframe(c.get("tf")),
    ]
    out += [_el(tag, c[tag]) for tag in ("email", "url") if tag in c]
    out.append(f'<relationship relation="1">{sid}{text(c["parent"])}</id></sourcedid>')
    out.append(f"<label>{text(label[:128])}</label></relationship>")
    ext: dict[str, Any] = c.get("ext", {})
    if ext:
        out.append("<extension>")
        if "orgnr" in ext:
            out.append(_pifu_id("organizationNumber", ext["orgnr"], "Enhetsregisteret", "1"))
        if "grep" in ext:
            out.append(_pifu_id("grepCode", ext["grep"], "grep - levende læreplaner", "0"))
        if "legalName" in ext:
            out.append(f'<pifu_name type="legalName">{_el("pifu_value", ext["legalName"])}</pifu_name>')
        if "schoolType" in ext:
            out.append(_el("pifu_schoolType", ext["schoolType"]))
        out.append("</extension>")
    out.append("</group>\n")
    return "".join(out)


def member(sid: str, c: Canon, recstatus: int | None, active: bool) -> str:
    """A ``<member>`` of the open ``<membership>``."""
    subrole = _el("subrole", c["subrole"]) if "subrole" in c else ""
    # A soft-deleted membership stays, with status 0 (setting soft_delete: inactive).
    status = c["status"] if active else "0"  # "0" or "1", from normalize
    tf = _timeframe(c["tf"]) if c.get("tf") else ""
    primary = f"<extension>{_el('pifu_primaryRelation', c['primary'])}</extension>" if "primary" in c else ""
    return (
        f"<member>{sid}{text(c['person'])}</id></sourcedid><idtype>1</idtype>"
        f'<role{_RECSTATUS[recstatus]} roletype="{c["roletype"]}">{subrole}<status>{status}</status>'
        f"{tf}{primary}</role></member>"
    )


class Document:
    """One file being written: properties, then persons, groups (orgs first), memberships."""

    def __init__(self, out: IO[bytes], path: Path, source: str) -> None:
        self._out = out
        self.path = path
        self.source = source
        self._sid = f"<sourcedid><source>{text(source)}</source><id>"
        self._parts: list[str] = []
        self._section = PERSON
        self._open_group: str | None = None
        self.records = 0

    def _enter(self, section: int) -> None:
        if section < self._section:
            raise AssertionError("records must come in the profile's order: person, group, membership")
        self._section = section

    def _add(self, part: str) -> None:
        self._parts.append(part)
        self.records += 1
        if len(self._parts) >= _CHUNK:
            self.flush()

    def raw(self, part: str) -> None:
        """Markup that is not a record (the header, the end of the root)."""
        self._parts.append(part)

    def person(self, key: str, c: Canon, recstatus: int | None = None, active: bool = True) -> None:
        self._enter(PERSON)
        self._add(person(self._sid, key, c, recstatus, active))

    def group(self, key: str, c: Canon, label: str, recstatus: int | None = None) -> None:
        self._enter(ORG if c["kind"] == ORG else GROUP)
        self._add(group(self._sid, key, c, recstatus, label))

    def member(self, c: Canon, recstatus: int | None = None, active: bool = True) -> None:
        """Consecutive members of one group share one ``<membership>``."""
        if self._section != MEMBERSHIP:
            self._enter(MEMBERSHIP)
        parts = self._parts
        if self._open_group != c["group"]:
            self.close_membership()
            parts.append(f"<membership>{self._sid}{text(c['group'])}</id></sourcedid>")
            self._open_group = c["group"]
        parts.append(member(self._sid, c, recstatus, active))  # _add, inlined: nine in ten records are members
        self.records += 1
        if len(parts) >= _CHUNK:
            self.flush()

    def close_membership(self) -> None:
        if self._open_group is not None:
            self._parts.append("</membership>\n")
            self._open_group = None

    def flush(self) -> None:
        """Write the chunk, after checking that XML can carry every character in it."""
        chunk = "".join(self._parts)
        try:
            data = chunk.encode()
        except UnicodeEncodeError:
            self._refuse()
        if data.translate(None, _GOOD_BYTES) or b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data:
            self._refuse()  # the bytes of U+FFFE and U+FFFF, which XML 1.0 does not allow either
        self._out.write(data)
        self._parts.clear()

    def _refuse(self) -> NoReturn:
        for part in self._parts:
            if bad := NONCHAR.search(part):
                found = _FIRST_ID.search(part)
                key = found.group(1) if found else "?"
                key = mask(key) if len(key) == 11 and key.isdigit() else key
                raise FatalError(
                    f"{self.path.name}: the record of {key!r} holds U+{ord(bad.group()):04X}, which XML cannot carry; "
                    "nothing was published (change or delete the value at the source)"
                )
        raise AssertionError("a chunk failed the XML character check, but no record in it did")


def header(kind: Literal["full", "delta"], datasource: str, targets: list[str], lang: str, when: str) -> str:
    props = "".join([_el("datasource", datasource), *(_el("target", t) for t in targets), _el("type", kind)])
    return (
        f"<?xml version='1.0' encoding='UTF-8'?>\n<enterprise xmlns=\"{vocab.NS}\">\n"
        f'<properties lang="{attr(lang)}">{props}{_el("datetime", when)}</properties>\n'
    )


@contextlib.contextmanager
def document(
    path: Path,
    kind: Literal["full", "delta"],
    *,
    datasource: str,
    source: str,
    targets: list[str],
    lang: str,
    when: str,
) -> Iterator[Document]:
    """Write a PIFU-IMS document to ``path``; the caller writes the records in order."""
    with path.open("wb") as out:
        doc = Document(out, path, source)
        doc.raw(header(kind, datasource, targets, lang, when))
        yield doc
        doc.close_membership()
        doc.raw("</enterprise>")
        doc.flush()
