"""Which Feide groups the metaverse holds: read once, kept in memory, read again when it changes.

A :class:`Snapshot` holds the groups (by Feide id), the persons (by Feide name)
and the exam candidates; memberships are *not* held, they are read per request
through the metaverse's person and group indexes. The snapshot is rebuilt when
the metaverse changed (a new run, or objects added or changed by a run), checked
at most every ``refresh_seconds``: every change to the metaverse is made by a run
(a restore by hand makes one too), so the newest run and its status say when to look again.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from edusync.config.groupsapi import GroupsApiConfig
from edusync.groupsapi.ids import parse_instant
from edusync.groupsapi.mapping import Group, Mapper, Mv, Skip, text
from edusync.services.groups import fingerprint, membership_pairs, shown_objects
from edusync.storage import Database

log = logging.getLogger(__name__)

TYPES = ("organisation", "group", "person", "exam", "participant")


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    eppn: str | None
    name: str
    affiliations: tuple[str, ...]
    primary: str | None
    school_name: str | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """An exam candidate: a student of the exam's course (``fc:fs:emne``), by default for the exam's term."""

    group: str
    eppn: str
    name: str
    begin: dt.datetime | None
    end: dt.datetime | None
    state: str


@dataclass
class Snapshot:
    groups: dict[str, Group] = field(default_factory=dict)  # by Feide id
    sources: dict[str, list[str]] = field(default_factory=dict)  # Feide id → metaverse groups behind it
    by_mv: dict[str, str] = field(default_factory=dict)  # metaverse group → Feide id (unit groups: the school)
    units: set[str] = field(default_factory=set)  # metaverse groups whose members belong to a school
    orgs: dict[str, Group] = field(default_factory=dict)  # realm → fc:org
    persons: dict[str, Person] = field(default_factory=dict)
    by_eppn: dict[str, list[str]] = field(default_factory=dict)
    candidates: dict[str, list[Candidate]] = field(default_factory=dict)  # by Feide name
    candidates_of: dict[str, list[Candidate]] = field(default_factory=dict)  # by emne group
    skipped: list[str] = field(default_factory=list)

    def find(self, groupid: str) -> Group | None:
        from edusync.groupsapi.ids import candidates

        return next((self.groups[g] for g in candidates(groupid) if g in self.groups), None)


def _rows(db: Database) -> Iterator[tuple[str, Mv]]:
    for object_type, mv_id, attrs, state in shown_objects(db, TYPES):
        yield object_type, Mv(mv_id, attrs, state)


def _realm(eppn: str | None) -> str | None:
    return eppn.rsplit("@", 1)[1] if eppn and "@" in eppn else None


class Builder:
    """Turns the metaverse's rows into a :class:`Snapshot` (the mapping does the shapes)."""

    def __init__(self, config: GroupsApiConfig) -> None:
        self.config = config
        self.mapper = Mapper(config)

    def build(self, rows: Iterator[tuple[str, Mv]], pairs: list[tuple[str, str]]) -> Snapshot:
        by_type: dict[str, list[Mv]] = {name: [] for name in TYPES}
        for object_type, obj in rows:
            by_type[object_type].append(obj)
        snap = Snapshot()
        for p in by_type["person"]:
            snap.persons[p.id] = self._person(p)
            if snap.persons[p.id].eppn:
                snap.by_eppn.setdefault(snap.persons[p.id].eppn or "", []).append(p.id)
        go, fs = self._families(by_type["group"])
        go_realm = self.config.go.realm or self._common(pairs, go, snap)
        fs_people = [c.attrs.get("organisationId") for c in by_type["participant"]]
        fs_realm = self.config.fs.realm or self._common(pairs, fs, snap, [str(e) for e in fs_people if e])
        if go_realm:
            self._go(snap, go_realm.lower(), go, by_type["organisation"])
        if fs_realm:
            self._fs(snap, fs_realm.lower(), fs, by_type["exam"], by_type["participant"])
        return snap

    def _person(self, p: Mv) -> Person:
        eppn = text(p.attrs, "eduPersonPrincipalName")
        name = text(p.attrs, "displayName") or " ".join(
            v for v in (text(p.attrs, "firstName"), text(p.attrs, "lastName")) if v
        )
        raw = p.attrs.get("eduPersonAffiliation") or []
        affiliations = tuple(str(a) for a in (raw if isinstance(raw, list) else [raw]))
        school = text(p.attrs, self.config.go.primary_school_name_attribute)
        primary = text(p.attrs, "eduPersonPrimaryAffiliation")
        return Person(p.id, eppn.lower() if eppn else None, name or p.id, affiliations, primary, school)

    def _families(self, groups: list[Mv]) -> tuple[dict[str, tuple[Mv, str]], dict[str, tuple[Mv, str]]]:
        """Metaverse groups by family: GO (kind b/u/a, or ``unit``) and FS (prg/str/kull)."""
        go_cfg, fs_cfg = self.config.go, self.config.fs
        go: dict[str, tuple[Mv, str]] = {}
        fs: dict[str, tuple[Mv, str]] = {}
        for g in groups:
            go_kind = text(g.attrs, go_cfg.type_attribute)
            fs_kind = text(g.attrs, fs_cfg.type_attribute)
            if go_kind in go_cfg.go_types:
                go[g.id] = (g, go_cfg.go_types[go_kind])
            elif go_kind in go_cfg.unit_group_types:
                go[g.id] = (g, "unit")
            elif fs_kind in fs_cfg.fs_types:
                fs[g.id] = (g, fs_cfg.fs_types[fs_kind])
        return go, fs

    @staticmethod
    def _common(
        pairs: list[tuple[str, str]], family: dict[str, Any], snap: Snapshot, more: list[str] | None = None
    ) -> str | None:
        """The realm most members of these groups have in their Feide names."""
        realms: Counter[str] = Counter()
        for person, group in pairs:
            if group in family and (realm := _realm(snap.persons[person].eppn if person in snap.persons else None)):
                realms[realm.lower()] += 1
        realms.update(r.lower() for e in more or [] if (r := _realm(e)))
        return realms.most_common(1)[0][0] if realms else None

    def _add(self, snap: Snapshot, group: Group, source: str | None = None) -> None:
        if group.id not in snap.groups or (snap.groups[group.id].archived and not group.archived):
            snap.groups[group.id] = group  # of several sources of one Feide group, a live one names it
        if source:
            snap.sources.setdefault(group.id, []).append(source)
            snap.by_mv[source] = group.id

    def _go(self, snap: Snapshot, realm: str, groups: dict[str, tuple[Mv, str]], orgs: list[Mv]) -> None:
        cfg = self.config.go
        kinds = {o.id: text(o.attrs, cfg.organisation_type_attribute) for o in orgs}
        owner = next((o for o in orgs if kinds[o.id] in cfg.owner_types), None)
        name = cfg.org_name or (text(owner.attrs, "displayName") if owner else None)
        org = self.mapper.org(realm, name, cfg.org_type)
        snap.orgs[realm] = org
        self._add(snap, org)
        schools: dict[str, Group] = {}
        for o in orgs:
            if kinds[o.id] in cfg.school_types:
                try:
                    schools[o.id] = self.mapper.school(realm, o)
                    self._add(snap, schools[o.id])
                except Skip as exc:
                    snap.skipped.append(f"organisation {o.id}: {exc}")
        by_id = {o.id: o for o in orgs}
        for g, kind in groups.values():
            school_ref = text(g.attrs, cfg.school_attribute)
            if kind == "unit":
                if school_ref in schools:
                    snap.units.add(g.id)
                    snap.by_mv[g.id] = schools[school_ref].id
                continue
            try:
                self._add(snap, self.mapper.go(realm, g, kind, by_id.get(school_ref or "")), g.id)
            except Skip as exc:
                snap.skipped.append(f"group {g.id}: {exc}")

    def _fs(
        self, snap: Snapshot, realm: str, groups: dict[str, tuple[Mv, str]], exams: list[Mv], people: list[Mv]
    ) -> None:
        cfg = self.config.fs
        if realm not in snap.orgs:
            snap.orgs[realm] = self.mapper.org(realm, cfg.org_name, cfg.org_type)
            self._add(snap, snap.orgs[realm])
        for g, kind in sorted(groups.values(), key=lambda gk: ("prg", "str", "kull").index(gk[1])):
            try:
                self._add(snap, self.mapper.fs(realm, g, kind), g.id)
            except Skip as exc:
                snap.skipped.append(f"group {g.id}: {exc}")
        if not cfg.emne_from_exams:
            return
        courses: dict[str, tuple[str, Mv]] = {}
        for exam in exams:
            try:
                group = self.mapper.emne(realm, exam)
            except Skip as exc:
                snap.skipped.append(f"exam {exam.id}: {exc}")
                continue
            self._add(snap, group)
            courses[exam.id] = (group.id, exam)
        for p in people:
            eppn, exam_id = text(p.attrs, "organisationId"), text(p.attrs, "exam")
            if not eppn or exam_id not in courses:
                continue
            name = " ".join(v for v in (text(p.attrs, "firstName"), text(p.attrs, "lastName")) if v)
            group_id, exam = courses[exam_id or ""]
            begin, end = self._period(p, exam)
            candidate = Candidate(group_id, eppn.lower(), name or eppn, begin, end, p.state)
            snap.candidates.setdefault(candidate.eppn, []).append(candidate)
            snap.candidates_of.setdefault(group_id, []).append(candidate)

    def _period(self, candidate: Mv, exam: Mv) -> tuple[dt.datetime | None, dt.datetime | None]:
        """``begin``/``end`` of the candidate or the exam where a profile flows them, else the exam's term."""
        for obj in (candidate, exam):
            begin, end = text(obj.attrs, "begin"), text(obj.attrs, "end")
            if begin or end:
                return parse_instant(begin, self.mapper.zone), parse_instant(end, self.mapper.zone, end=True)
        return self.mapper.term(text(exam.attrs, "term"))


class Catalogue:
    """The current :class:`Snapshot` of one database, rebuilt when the metaverse changed."""

    def __init__(self, db: Database, config: GroupsApiConfig) -> None:
        self.db, self.config = db, config
        self.builder = Builder(config)
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._stamp: tuple[Any, ...] | None = None
        self._checked = 0.0

    def _fingerprint(self) -> tuple[Any, ...]:
        return fingerprint(self.db, (*TYPES, "membership"))

    def snapshot(self) -> Snapshot:
        with self._lock:
            now = time.monotonic()
            if self._snapshot is not None and now - self._checked < self.config.refresh_seconds:
                return self._snapshot
            stamp = self._fingerprint()
            self._checked = now
            if self._snapshot is None or stamp != self._stamp:
                started = time.monotonic()
                self._snapshot = self.builder.build(_rows(self.db), membership_pairs(self.db))
                self._stamp = stamp
                log.info(
                    "groups API: %d groups, %d persons read in %.2fs; %d metaverse objects left out",
                    len(self._snapshot.groups),
                    len(self._snapshot.persons),
                    time.monotonic() - started,
                    len(self._snapshot.skipped),
                )
                for reason in self._snapshot.skipped[:20]:
                    log.warning("groups API leaves out %s", reason)
            return self._snapshot
