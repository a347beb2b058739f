"""Write one PIFU-IMS 1.3 document, record by record, with lxml's incremental ``xmlfile``.

Only the record being written is ever in memory, so a county's 1.5 million
memberships stream to disk. Records are built as elements *without* a namespace
and written inside the root, which declares the PIFU namespace as the default:
lxml serialises them without a declaration of their own, so in the file they
are in the PIFU namespace and the file stays small (tests validate every file
they write against the XSD, which would catch any change in that behaviour).
Elements follow the XSD's sequence order, which the profile requires.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from lxml import etree

from edusync.connectors.pifu import vocab
from edusync.connectors.pifu.normalize import GROUP, MEMBERSHIP, ORG, PERSON, Canon

E = etree.Element
S = etree.SubElement


def _text(parent: etree._Element, tag: str, value: str, **attrs: str) -> etree._Element:
    el = S(parent, tag, attrs)
    el.text = value
    return el


def _sourcedid(parent: etree._Element, source: str, key: str) -> None:
    sid = S(parent, "sourcedid")
    _text(sid, "source", source)
    _text(sid, "id", key)


def _timeframe(parent: etree._Element, tf: dict[str, str] | None) -> None:
    if not tf:
        return
    el = S(parent, "timeframe")
    for part in ("begin", "end"):
        if part in tf:
            _text(el, part, tf[part], restrict="0")
    if "adminperiod" in tf:
        _text(el, "adminperiod", tf["adminperiod"])


def _status(recstatus: int | None) -> dict[str, str]:
    return {"recstatus": str(recstatus)} if recstatus else {}


def person(key: str, c: Canon, source: str, recstatus: int | None, active: bool) -> etree._Element:
    el = E("person", _status(recstatus))
    _sourcedid(el, source, key)
    for utype, value in c["ids"]:
        _text(el, "userid", value, useridtype=utype)
    name = S(el, "name")
    _text(name, "fn", c["fn"])
    n = S(name, "n")
    _text(n, "family", c["family"])
    _text(n, "given", c["given"])
    if "gender" in c or "bday" in c:
        demo = S(el, "demographics")
        if "gender" in c:
            _text(demo, "gender", c["gender"])
        if "bday" in c:
            _text(demo, "bday", c["bday"])
    for tag in ("email", "url"):
        if tag in c:
            _text(el, tag, c[tag])
    for teltype, number in c.get("tel", ()):
        _text(el, "tel", number, teltype=teltype)
    if "adr" in c:
        adr = S(el, "adr")
        for tag in ("street", "locality", "pcode", "country"):
            if tag in c["adr"]:
                _text(adr, tag, c["adr"][tag])
    ext: dict[str, Any] = c.get("ext", {})
    if ext or not active:
        x = S(el, "extension")
        for etype, value in ext.get("email", ()):
            _text(x, "pifu_email", value, type=etype)
        if not active:  # soft-deleted, kept in the file (setting soft_delete: inactive)
            _text(x, "pifu_status", "inaktiv", type="activeInactive")
        if "pupilStatus" in ext:
            _text(x, "pifu_status", ext["pupilStatus"], type="pupilStatus")
        for guardian in ext.get("guardians", ()):
            _sourcedid(S(x, "pifu_hasContactPerson", type="guardian"), source, guardian)
    return el


def group(key: str, c: Canon, source: str, recstatus: int | None, label: str) -> etree._Element:
    el = E("group", _status(recstatus))
    _sourcedid(el, source, key)
    scheme, level = vocab.GROUP_TYPES[c["type"]]
    gt = S(el, "grouptype")
    _text(gt, "scheme", scheme)
    _text(gt, "typevalue", c["type"], level=level)
    desc = S(el, "description")
    _text(desc, "short", c["short"])
    if "long" in c:
        _text(desc, "long", c["long"])
    _timeframe(el, c.get("tf"))
    for tag in ("email", "url"):
        if tag in c:
            _text(el, tag, c[tag])
    rel = S(el, "relationship", relation="1")
    _sourcedid(rel, source, c["parent"])
    _text(rel, "label", label[:128])
    ext: dict[str, Any] = c.get("ext", {})
    if ext:
        x = S(el, "extension")
        if "orgnr" in ext:
            _pifu_id(x, "organizationNumber", ext["orgnr"], "Enhetsregisteret", "1")
        if "grep" in ext:
            _pifu_id(x, "grepCode", ext["grep"], "grep - levende læreplaner", "0")
        if "legalName" in ext:
            _text(S(x, "pifu_name", type="legalName"), "pifu_value", ext["legalName"])
        if "schoolType" in ext:
            _text(x, "pifu_schoolType", ext["schoolType"])
    return el


def _pifu_id(parent: etree._Element, kind: str, value: str, scope: str, unique: str) -> None:
    el = S(parent, "pifu_id", type=kind)
    _text(el, "pifu_value", value)
    _text(el, "pifu_scope", scope)
    _text(el, "pifu_unique", unique)


def member(c: Canon, source: str, recstatus: int | None, active: bool) -> etree._Element:
    el = E("member")
    _sourcedid(el, source, c["person"])
    _text(el, "idtype", "1")
    role = S(el, "role", {**_status(recstatus), "roletype": c["roletype"]})
    if "subrole" in c:
        _text(role, "subrole", c["subrole"])
    # A soft-deleted membership stays, with status 0 (setting soft_delete: inactive).
    _text(role, "status", c["status"] if active else "0")
    _timeframe(role, c.get("tf"))
    if "primary" in c:
        _text(S(role, "extension"), "pifu_primaryRelation", c["primary"])
    return el


class Document:
    """One file being written: properties, then persons, groups (orgs first), memberships."""

    def __init__(self, xf: Any, source: str) -> None:
        self._xf = xf
        self.source = source
        self._section = PERSON
        self._open_group: str | None = None
        self._membership: contextlib.ExitStack | None = None
        self.records = 0

    def _enter(self, section: int) -> None:
        if section < self._section:
            raise AssertionError("records must come in the profile's order: person, group, membership")
        self._section = section

    def person(self, key: str, c: Canon, recstatus: int | None = None, active: bool = True) -> None:
        self._enter(PERSON)
        self._xf.write(person(key, c, self.source, recstatus, active), "\n")
        self.records += 1

    def group(self, key: str, c: Canon, label: str, recstatus: int | None = None) -> None:
        self._enter(ORG if c["kind"] == ORG else GROUP)
        self._xf.write(group(key, c, self.source, recstatus, label), "\n")
        self.records += 1

    def member(self, c: Canon, recstatus: int | None = None, active: bool = True) -> None:
        """Consecutive members of one group share one ``<membership>``."""
        self._enter(MEMBERSHIP)
        if self._open_group != c["group"]:
            self.close_membership()
            self._membership = contextlib.ExitStack()
            self._membership.enter_context(self._xf.element("membership"))
            sid = E("sourcedid")
            _text(sid, "source", self.source)
            _text(sid, "id", c["group"])
            self._xf.write(sid)
            self._open_group = c["group"]
        self._xf.write(member(c, self.source, recstatus, active))
        self.records += 1

    def close_membership(self) -> None:
        if self._membership is not None:
            self._membership.close()
            self._xf.write("\n")
            self._membership = None
            self._open_group = None


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
    with etree.xmlfile(str(path), encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{vocab.NS}}}enterprise", nsmap={None: vocab.NS}):
            xf.write("\n")
            props = E("properties", lang=lang)
            _text(props, "datasource", datasource)
            for target in targets:
                _text(props, "target", target)
            _text(props, "type", kind)
            _text(props, "datetime", when)
            xf.write(props, "\n")
            doc = Document(xf, source)
            yield doc
            doc.close_membership()
