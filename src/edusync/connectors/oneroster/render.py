"""The state's picture -> the CSV files of a OneRoster 1.2 package (bulk: everything; delta: what changed).

Besides the four object types edusync sends, a package needs what the binding requires of them:
every class a course and a term. A class's course is its ``course`` attribute, or else one of
its own (the same sourcedId: the binding keeps ids unique per file); its term is the school
year it falls in. A person's role at each org is a row of ``roles.csv`` (``<user>-<org>``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from edusync.connectors.oneroster.binding import FILES, MANIFEST_FILES
from edusync.connectors.oneroster.canon import GROUP, MEMBERSHIP, ORG, PERSON, Canon
from edusync.connectors.oneroster.writer import Files, manifest
from edusync.connectors.pifu.state import FORGOTTEN, State

VERSION = "1.2"
WRITTEN = ("academicSessions", "orgs", "courses", "classes", "users", "roles", "enrollments")
HEADERS = {f"{name}.csv": [c.name for c in FILES[VERSION][name]] for name in WRITTEN}


def _user_ids(ids: dict[str, str]) -> str:
    return ",".join(f"{{{k}:{v}}}" for k, v in sorted(ids.items()))


class Renderer:
    """Hands each object's rows to :class:`Files`; ``stamp`` is every row's ``dateLastModified``."""

    def __init__(self, files: Files, labels: dict[str, str], persons: set[str] | None, stamp: str,
                 warn: Callable[[str], None]) -> None:  # fmt: skip
        self.files, self.labels, self.persons, self.stamp, self.warn = files, labels, persons, stamp, warn
        self.sessions: dict[str, dict[str, str]] = {}
        self.courses: set[str] = set()
        self.dangling = 0

    def emit(self, section: int, key: str, c: Canon, status: str, active: bool) -> None:
        head = [key, status, self.stamp]
        if section == PERSON:
            self._person(key, c, status, active)
        elif section == ORG:
            self.files.row("orgs.csv", [*head, c["name"], c["type"], c["identifier"], c["parent"]])
        elif section == GROUP:
            self._class(key, c, status)
        elif section == MEMBERSHIP:
            school = self.labels.get(c["group"])
            if school is None or (self.persons is not None and c["person"] not in self.persons):
                self.dangling += 1  # its class or user is not in the package: it cannot be written
                return
            primary = "true" if c["primary"] else "false"
            self.files.row("enrollments.csv", [*head, c["group"], school, c["person"], c["role"], primary,
                                               c["begin"], c["end"]])  # fmt: skip

    def _person(self, key: str, c: Canon, status: str, active: bool) -> None:
        enabled = "true" if active and c["enabled"] else "false"
        orgs: list[str] = c["orgs"]
        agents = [a for a in c["agents"] if self.persons is None or a in self.persons]
        self.files.row("users.csv", [
            key, status, self.stamp, enabled, c["username"], _user_ids(c["userIds"]), c["givenName"], c["familyName"],
            c["middleName"], c["identifier"], c["email"], c["sms"], c["phone"], ",".join(agents),
            ",".join(c["grades"]), "", "", "", "", "", "", orgs[0] if orgs else "", "",
        ])  # fmt: skip
        for n, org in enumerate(orgs if c["role"] else []):
            self.role(key, org, c["role"], "primary" if n == 0 else "secondary", status)

    def role(self, user: str, org: str, role: str, kind: str, status: str) -> None:
        self.files.row("roles.csv", [f"{user}-{org}", status, self.stamp, user, kind, role, "", "", org, ""])

    def _class(self, key: str, c: Canon, status: str) -> None:
        term = c["term"]
        course = c["course"] or key
        self.sessions.setdefault(term["id"], term)
        self.files.row("classes.csv", [
            key, status, self.stamp, c["title"], ",".join(c["grades"]), course, c["classCode"], c["classType"],
            c["location"], c["school"], term["id"], ",".join(c["subjects"]), ",".join(c["subjectCodes"]), "",
        ])  # fmt: skip
        if course not in self.courses and (status == "active" or not c["course"]):
            self.courses.add(course)
            self.files.row("courses.csv", [
                course, status, self.stamp, term["id"], c["title"], c["classCode"], ",".join(c["grades"]),
                c["school"], ",".join(c["subjects"]), ",".join(c["subjectCodes"]),
            ])  # fmt: skip

    def finish(self) -> None:
        for sid, term in sorted(self.sessions.items()):
            self.files.row("academicSessions.csv", [sid, "active", self.stamp, f"Skoleåret {sid}", "schoolYear",
                                                    term["start"], term["end"], "", term["year"]])  # fmt: skip
        if self.dangling:
            self.warn(f"{self.dangling} enrollments left out: their class or user is not in the package")


def write_full(r: Renderer, state: State) -> None:
    loads = orjson.loads
    for key, section, active, text in state.objects():
        r.emit(section, key, loads(text), "active", bool(active))


def write_delta(r: Renderer, state: State) -> None:
    """Each touched object once, as its net change: active rows for what is new or changed, tobedeleted for the rest."""
    for row in state.net():
        _fam, key, present, active, text, section, _grp, existed, old_active, old_text, old_section, _old = row
        after: Any = orjson.loads(text) if present else None
        before: Any = orjson.loads(old_text) if existed else None
        if after is None:
            if before is not None and active != FORGOTTEN:
                r.emit(old_section, key, before, "tobedeleted", bool(old_active))
            continue
        if before == after and bool(active) == bool(old_active):
            continue
        r.emit(section, key, after, "active", bool(active))
        if before is not None and section == PERSON:
            for org in set(before["orgs"]) - set(after["orgs"]):
                r.role(key, org, before["role"], "secondary", "tobedeleted")
        elif before is not None and section == GROUP and not before["course"] and after["course"]:
            r.files.row("courses.csv", [key, "tobedeleted", r.stamp, before["term"]["id"], before["title"], "", "",
                                        before["school"], "", ""])  # fmt: skip


def render(folder: Path, state: State, full: bool, *, labels_before: dict[str, str], warn: Callable[[str], None],
           system_name: str, system_code: str | None) -> int:  # fmt: skip
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    labels = {**labels_before, **state.labels()}
    persons = {k for (k,) in state.db.execute("SELECT key FROM objects WHERE section = 0")} if full else None
    with Files(folder, HEADERS) as files:
        files.open_all(HEADERS)
        r = Renderer(files, labels, persons, stamp, warn)
        (write_full if full else write_delta)(r, state)
        r.finish()
        count = files.count
    mode = "bulk" if full else "delta"
    props = [("manifest.version", "1.0"), ("oneroster.version", VERSION)]
    props += [(f"file.{n}", mode if n in WRITTEN else "absent") for n in MANIFEST_FILES[VERSION]]
    props.append(("source.systemName", system_name))
    if system_code:
        props.append(("source.systemCode", system_code))
    manifest(folder, props)
    return count
