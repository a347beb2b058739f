"""One IMS Enterprise ``<person>``, ``<group>`` or ``<membership>`` element -> records.

The attribute names are the ones the ``pifu-xml`` target reads (docs/pifu.md),
so a file edusync wrote reads back into the attributes it was written from.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from edusync.connectors.pifu import vocab
from edusync.errors import SourceError

Attrs = dict[str, Any]
_GENDER = {"1": "female", "2": "male"}
_TEL = {"1": "phone", "voice": "phone", "3": "mobile", "mobile": "mobile", "2": "fax", "fax": "fax"}
_ADR = (("street", "street"), ("locality", "locality"), ("pcode", "postalCode"), ("country", "country"))
_STATUS = {"aktiv": "active", "inaktiv": "inactive"}


class Reading:
    """Reads elements of one file, whose namespace (or none) is ``ns``."""

    def __init__(self, path: Path, ns: str | None) -> None:
        self.path = path
        self.ns = {"x": ns} if ns else None
        self._paths: dict[str, str] = {}

    def _p(self, path: str) -> str:
        found = self._paths.get(path)
        if found is None:
            found = "/".join(f"x:{part}" if self.ns and part not in (".", "..") else part for part in path.split("/"))
            self._paths[path] = found
        return found

    def all(self, el: etree._Element, path: str) -> list[etree._Element]:
        return list(el.iterfind(self._p(path), self.ns))

    def text(self, el: etree._Element, path: str) -> str | None:
        found = el.find(self._p(path), self.ns)
        if found is None or found.text is None:
            return None
        return found.text.strip() or None

    def _fail(self, el: etree._Element, what: str) -> SourceError:
        return SourceError(f"{self.path}:{el.sourceline}: <{etree.QName(el).localname}> {what}")

    def sourcedid(self, el: etree._Element) -> str:
        """The id of the element's ``sourcedid`` (the ``New`` one when an id was changed)."""
        ids = self.all(el, "sourcedid")
        chosen = next((s for s in ids if s.get("sourcedidtype") == "New"), None)
        chosen = chosen if chosen is not None else next((s for s in ids if s.get("sourcedidtype") != "Old"), None)
        value = self.text(chosen, "id") if chosen is not None else None
        if not value:
            raise self._fail(el, "has no sourcedid/id")
        return value

    @staticmethod
    def deleted(el: etree._Element) -> bool:
        return (el.get("recstatus") or "").strip() == "3"

    def record(self, name: str, el: etree._Element) -> Iterator[tuple[str, Attrs | None, str]]:
        if name == "person":
            key = self.sourcedid(el)
            yield key, None if self.deleted(el) else self.person(el, key), "person"
        elif name == "group":
            key = self.sourcedid(el)
            attrs = self.group(el, key)
            kind = "organisation" if attrs.get("scheme") == vocab.ORG_SCHEME else "group"
            yield key, None if self.deleted(el) else attrs, kind
        else:
            yield from self.membership(el)

    def person(self, el: etree._Element, key: str) -> Attrs:
        out: Attrs = {"id": key}
        for uid in self.all(el, "userid"):
            if uid_value := (uid.text or "").strip():
                utype = uid.get("useridtype")
                out.setdefault(vocab.USERID_ATTRS.get(utype or "username", f"userid:{utype}"), uid_value)
        for attr, path in (("fullName", "name/fn"), ("givenName", "name/n/given"), ("familyName", "name/n/family")):
            if value := self.text(el, path):
                out[attr] = value
        if gender := _GENDER.get(self.text(el, "demographics/gender") or ""):
            out["gender"] = gender
        for attr, path in (("birthDate", "demographics/bday"), ("email", "email"), ("url", "url")):
            if value := self.text(el, path):
                out[attr] = value
        for tel in self.all(el, "tel"):
            tel_attr = _TEL.get((tel.get("teltype") or "1").strip().lower())
            if tel_attr and tel.text and tel.text.strip():
                out.setdefault(tel_attr, tel.text.strip())
        for tag, attr in _ADR:
            if value := self.text(el, f"adr/{tag}"):
                out[attr] = value
        for status in self.all(el, "extension/pifu_status"):
            word = (status.text or "").strip()
            if status.get("type") == "activeInactive" and word in _STATUS:
                out["status"] = _STATUS[word]
            elif status.get("type") == "pupilStatus" and word:
                out["pupilStatus"] = word
        for email in self.all(el, "extension/pifu_email"):
            if email.get("type") == "personEmailPrivate" and email.text:
                out["privateEmail"] = email.text.strip()
        guardians = [g for c in self.all(el, "extension/pifu_hasContactPerson") if (g := self.text(c, "sourcedid/id"))]
        if guardians:
            out["guardians"] = guardians
        return out

    def group(self, el: etree._Element, key: str) -> Attrs:
        out: Attrs = {"id": key}
        for attr, path in (
            ("name", "description/short"),
            ("description", "description/long"),
            ("scheme", "grouptype/scheme"),
            ("groupType", "grouptype/typevalue"),
            ("start", "timeframe/begin"),
            ("end", "timeframe/end"),
            ("adminPeriod", "timeframe/adminperiod"),
            ("email", "email"),
            ("url", "url"),
            ("orgUnit", "org/orgunit"),
        ):
            if value := self.text(el, path):
                out[attr] = value
        for rel in self.all(el, "relationship"):
            if (rel.get("relation") or "1").strip() == "1":
                parent = self.text(rel, "sourcedid/id")
                if parent and parent != key:  # the top org points to itself
                    out["parent"] = parent
                    if label := self.text(rel, "label"):
                        out["parentName"] = label
                break
        for pid in self.all(el, "extension/pifu_id"):
            kind, value = pid.get("type"), self.text(pid, "pifu_value")
            if kind in ("organizationNumber", "grepCode") and value:
                out[kind] = value
        for pname in self.all(el, "extension/pifu_name"):
            if pname.get("type") == "legalName" and (value := self.text(pname, "pifu_value")):
                out["legalName"] = value
        if school_type := self.text(el, "extension/pifu_schoolType"):
            out["schoolType"] = school_type
        return out

    def membership(self, el: etree._Element) -> Iterator[tuple[str, Attrs | None, str]]:
        """One record per person member and role: anchor ``group|person|roletype``."""
        group = self.sourcedid(el)
        for member in self.all(el, "member"):
            idtype = self.all(member, "idtype")
            kind = (idtype[0].text or idtype[0].get("idtype") or "1").strip() if idtype else "1"
            if kind != "1":
                continue  # a group inside a group: edusync's memberships are persons
            person = self.sourcedid(member)
            for role in self.all(member, "role"):
                code = (role.get("roletype") or self.text(role, "roletype") or "").strip()
                if not code:
                    raise self._fail(role, f"of member {person!r} in group {group!r} has no roletype")
                code = code.zfill(2)
                anchor = f"{group}|{person}|{code}"
                yield anchor, None if self.deleted(role) else self._role(role, group, person, code), "membership"

    def _role(self, role: etree._Element, group: str, person: str, code: str) -> Attrs:
        out: Attrs = {"id": f"{group}|{person}|{code}", "group": group, "person": person, "roletype": code}
        if name := vocab.ROLE_NAMES.get(code):
            out["role"] = name
        for attr, path in (
            ("subrole", "subrole"),
            ("status", "status"),
            ("begin", "timeframe/begin"),
            ("end", "timeframe/end"),
            ("primary", "extension/pifu_primaryRelation"),
        ):
            if value := self.text(role, path):
                out[attr] = value
        return out
