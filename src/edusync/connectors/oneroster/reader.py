"""OneRoster rows -> edusync records: orgs, sessions, courses, classes (groups), users (persons), enrollments.

Each object type reads its own file (a person also reads ``roles.csv`` in 1.2 and
``demographics.csv``, folded into the person). A row that breaks the binding stops the import
with a :class:`SourceError` naming file, line and column; what is readable but not as the binding
says (a reference to a row the package does not hold, a word outside a vocabulary) is a warning.
A password column is never read: edusync does not carry passwords.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from edusync.connectors.oneroster.binding import FILES
from edusync.connectors.oneroster.check import FileCheck, Problem, parse_datetime, references, split_list
from edusync.connectors.oneroster.package import Package
from edusync.errors import SourceError
from edusync.model.hashing import ROW_DIGEST
from edusync.model.records import SourceRecord

#: Object type -> (file, builder of its attributes from a row).
Row = dict[str, str]
Attrs = dict[str, Any]
#: Warnings shown per file and column before the rest are counted only (a broken export can dangle every row).
WARN_LIMIT = 5


@functools.lru_cache(maxsize=1024)
def _stamp(value: str) -> str:
    """A ``dateLastModified`` as a UTC ISO string that sorts as time does ('' if it is none)."""
    at = parse_datetime(value)
    return "" if at is None else at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _put(out: Attrs, name: str, value: Any) -> None:
    if value not in (None, "", [], {}):
        out[name] = value


def _bool(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value.lower()) if value else None


def user_ids(value: str) -> dict[str, str]:
    """``{LDAP:12},{Fed:23}`` -> ``{"LDAP": "12", "Fed": "23"}`` (the first of a type wins)."""
    out: dict[str, str] = {}
    for item in value.split("}"):
        item = item.strip().lstrip(",").strip().lstrip("{")
        kind, sep, ident = item.partition(":")
        if sep and kind.strip():
            out.setdefault(kind.strip(), ident.strip())
    return out


def _org(r: Row) -> Attrs:
    out: Attrs = {"id": r["sourcedId"]}
    for name, col in (("name", "name"), ("type", "type"), ("identifier", "identifier"), ("parent", "parentSourcedId")):
        _put(out, name, r.get(col))
    return out


def _session(r: Row) -> Attrs:
    out: Attrs = {"id": r["sourcedId"]}
    for name, col in (("title", "title"), ("type", "type"), ("start", "startDate"), ("end", "endDate"),
                      ("parent", "parentSourcedId"), ("schoolYear", "schoolYear")):  # fmt: skip
        _put(out, name, r.get(col))
    return out


def _course(r: Row) -> Attrs:
    out: Attrs = {"id": r["sourcedId"]}
    for name, col in (("title", "title"), ("courseCode", "courseCode"), ("org", "orgSourcedId"),
                      ("schoolYear", "schoolYearSourcedId")):  # fmt: skip
        _put(out, name, r.get(col))
    for name in ("grades", "subjects", "subjectCodes"):
        _put(out, name, split_list(r.get(name, "")))
    return out


_CLASS_COLUMNS = (
    ("name", "title"),
    ("classCode", "classCode"),
    ("classType", "classType"),
    ("location", "location"),
    ("school", "schoolSourcedId"),
    ("course", "courseSourcedId"),
)


def _class(r: Row) -> Attrs:
    out: Attrs = {"id": r["sourcedId"]}
    for name, col in _CLASS_COLUMNS:
        _put(out, name, r.get(col))
    _put(out, "terms", split_list(r.get("termSourcedIds", "")))
    for name in ("grades", "subjects", "subjectCodes", "periods"):
        _put(out, name, split_list(r.get(name, "")))
    return out


def _enrollment(r: Row) -> Attrs:
    out: Attrs = {"id": r["sourcedId"]}
    for name, col in (("group", "classSourcedId"), ("person", "userSourcedId"), ("school", "schoolSourcedId"),
                      ("role", "role"), ("begin", "beginDate"), ("end", "endDate")):  # fmt: skip
        _put(out, name, r.get(col))
    _put(out, "primary", _bool(r.get("primary", "")))
    return out


_USER_TEXT = (
    "username", "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone",
    "userMasterIdentifier", "preferredGivenName", "preferredMiddleName", "preferredFamilyName", "pronouns",
)  # fmt: skip


def _user(roles: dict[str, list[Attrs]], demo: dict[str, Attrs], r: Row) -> Attrs:
    out: Attrs = {"id": r["sourcedId"]}
    for name in _USER_TEXT:
        _put(out, name, r.get(name))
    _put(out, "enabled", _bool(r.get("enabledUser", "")))
    _put(out, "userIds", user_ids(r.get("userIds", "")))
    _put(out, "agents", split_list(r.get("agentSourcedIds", "")))
    _put(out, "grades", split_list(r.get("grades", "")))
    if "orgSourcedIds" in r:  # 1.1: one role, at every org the user belongs to
        orgs = split_list(r["orgSourcedIds"])
        held = [{"org": o, "role": r.get("role", ""), "roleType": "primary" if i == 0 else "secondary"}
                for i, o in enumerate(orgs)]  # fmt: skip
    else:
        held = roles.get(r["sourcedId"], [])
    if held:
        first = next((h for h in held if h.get("roleType") == "primary"), held[0])
        out["roles"] = held
        out["orgs"] = list(dict.fromkeys(h["org"] for h in held))
        _put(out, "role", first.get("role"))
        out["school"] = r.get("primaryOrgSourcedId") or first["org"]
    out.update(demo.get(r["sourcedId"], {}))
    return out


TYPES: dict[str, str] = {
    "organisation": "orgs",
    "academicSession": "academicSessions",
    "course": "courses",
    "group": "classes",
    "person": "users",
    "membership": "enrollments",
}
_BUILD: dict[str, Callable[[Row], Attrs]] = {
    "orgs": _org,
    "academicSessions": _session,
    "courses": _course,
    "classes": _class,
    "enrollments": _enrollment,
}


@dataclass
class Reading:
    """One import of one object type from one package."""

    pkg: Package
    warn: Callable[[str], None]
    #: sourcedIds of the files references point into, for warnings about rows that are not there.
    known: dict[str, set[str]]
    watermark: str | None = None
    _warned: dict[tuple[str, str | None], int] = field(default_factory=lambda: defaultdict(int))

    def version_and_modes(self) -> tuple[str, dict[str, str]]:
        manifest = self.pkg.manifest()
        label = self.pkg.label("manifest.csv")
        line, version = manifest.get("oneroster.version", (0, ""))
        if version not in FILES:
            raise SourceError(
                f"{label}:{line}: column oneroster.version: {version!r} is not 1.1 or 1.2", file=label, line=line
            )
        return version, {k[5:]: v for k, (_, v) in manifest.items() if k.startswith("file.")}

    def _note(self, problem: Problem) -> None:
        self._warned[problem.file, problem.column] += 1
        if self._warned[problem.file, problem.column] <= WARN_LIMIT:
            self.warn(str(problem))

    def _summarise(self, file: str) -> None:
        """One line for the warnings of a column past the first :data:`WARN_LIMIT`."""
        for (where, column), n in self._warned.items():
            if where == file and n > WARN_LIMIT:
                self.warn(f"{file}: column {column}: {n - WARN_LIMIT} more rows like the {WARN_LIMIT} above")

    def _raise(self, problem: Problem) -> None:
        raise SourceError(str(problem), file=problem.file, line=problem.line, column=problem.column)

    def rows(self, name: str, *, bulk_only: bool, since: str | None) -> Iterator[tuple[Row, str]]:
        """Checked rows of ``name`` with each one's raw fingerprint; ``tobedeleted`` (and, with ``since``,
        rows not changed after it) left out."""
        version, modes = self.version_and_modes()
        mode = modes.get(name, "absent")
        label = self.pkg.label(f"{name}.csv")
        if mode == "absent" or not self.pkg.has(f"{name}.csv"):
            if mode in ("bulk", "delta"):
                self._raise(Problem(self.pkg.label("manifest.csv"), 0, f"file.{name}", f"{mode} but no {name}.csv"))
            return
        if mode == "delta" and bulk_only:
            raise SourceError(
                f"{label}: the manifest says delta, and a full import needs the whole truth: point 'input' at a "
                "bulk package (or import with a watermark)",
                file=label,
            )
        rows = self.pkg.rows(f"{name}.csv")
        header = next(rows, (1, []))[1]
        check = FileCheck(label, FILES[version][name], header, strict=False, delta=mode == "delta")
        for p in check.problems:
            self._raise(p) if p.error else self._note(p)
        person = hashlib.blake2b("\x1f".join(header).encode(), digest_size=16).digest()
        seen: set[str] = set()
        newest = since
        for line, cells in rows:
            before = len(check.problems)
            row = check.row(line, cells)
            key = row.get("sourcedId") or row.get("userSourcedId", "")
            if key in seen and "sourcedId" in check.index:
                check.add(line, "sourcedId", f"{key!r} appears twice")
            seen.add(key)
            for column, target, ref in references(check, row):
                if mode == "bulk" and target in self.known and ref not in self.known[target]:
                    check.add(line, column, f"{ref!r} is not in {target}.csv", error=False)
            for p in check.problems[before:]:
                self._raise(p) if p.error else self._note(p)
            changed = row.get("dateLastModified", "")
            if changed and (stamp := _stamp(changed)):
                newest = max(newest, stamp) if newest else stamp
                if since is not None and stamp <= since:
                    continue
            if row.get("status") == "tobedeleted":
                continue  # gone: a full import finds it missing
            fingerprint = hashlib.blake2b("\x1f".join(cells).encode(), digest_size=ROW_DIGEST, person=person)
            yield row, fingerprint.hexdigest()
        self._summarise(label)
        self.watermark = newest

    def records(self, object_type: str, since: str | None) -> Iterator[SourceRecord]:
        name = TYPES[object_type]
        if name == "users":
            build: Callable[[Row], Attrs] = partial(_user, self._roles(since), self._demographics())
        else:
            build = _BUILD[name]
        for row, fingerprint in self.rows(name, bulk_only=since is None, since=since):
            key = row.get("sourcedId", "")
            yield SourceRecord(key, None, fingerprint, partial(build, row))

    def _roles(self, since: str | None) -> dict[str, list[Attrs]]:
        """1.2: each user's roles (held in memory: one or two per user)."""
        out: dict[str, list[Attrs]] = defaultdict(list)
        for row, _ in self.rows("roles", bulk_only=False, since=None):
            role: Attrs = {"org": row["orgSourcedId"], "role": row["role"], "roleType": row["roleType"]}
            _put(role, "begin", row.get("beginDate"))
            _put(role, "end", row.get("endDate"))
            out[row["userSourcedId"]].append(role)
        return out

    def _demographics(self) -> dict[str, Attrs]:
        out: dict[str, Attrs] = {}
        for row, _ in self.rows("demographics", bulk_only=False, since=None):
            attrs: Attrs = {}
            _put(attrs, "birthDate", row.get("birthDate"))
            _put(attrs, "sex", row.get("sex"))
            if attrs:
                out[row["sourcedId"]] = attrs
        return out


def known_ids(pkg: Package) -> dict[str, set[str]]:
    """The sourcedIds of every file a reference can point into (all but enrollments and demographics)."""
    manifest = pkg.manifest()
    version = manifest.get("oneroster.version", (0, "1.2"))[1]
    out: dict[str, set[str]] = {}
    for name in ("orgs", "academicSessions", "courses", "classes", "users", "userProfiles"):
        if name not in FILES.get(version, {}) or manifest.get(f"file.{name}", (0, ""))[1] != "bulk":
            continue
        ids: set[str] = set()
        rows = pkg.rows(f"{name}.csv")
        header = [h.strip() for h in next(rows, (1, []))[1]]
        if "sourcedId" in header:
            at = header.index("sourcedId")
            ids = {cells[at].strip() for _, cells in rows if at < len(cells)}
        out[name] = ids
    return out
