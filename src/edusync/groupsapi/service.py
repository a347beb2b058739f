"""The groups API's answers: a user's groups and memberships, one group, its members, the types.

Memberships are read per request through the metaverse's person and group
indexes; groups and persons come from the :class:`~edusync.groupsapi.catalogue.Catalogue`.
A user-bound caller sees only groups the user is a member of (any other id is
404, as in Feide); a caller that is not bound to a user (a service) sees every group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from edusync.config.groupsapi import GroupsApiConfig
from edusync.errors import NotFound
from edusync.groupsapi.catalogue import Catalogue, Snapshot
from edusync.groupsapi.mapping import GROUP_TYPES, Group, Mapper, Membership, text
from edusync.model.fnr import quoted
from edusync.services.groups import memberships_of
from edusync.storage import Database

Json = dict[str, Any]
FAMILY_ORDER = {"org": 0, "orgunit": 1, "go": 2, "fs": 3}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def with_membership(group: Group, membership: Membership) -> Json:
    """The group's JSON with ``membership`` after ``displayName``, where Feide's examples put it."""
    out: Json = {}
    for key, value in group.body.items():
        out[key] = value
        if key == "displayName":
            out["membership"] = membership.body
    return out


class GroupsService:
    def __init__(self, db: Database, config: GroupsApiConfig, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.db, self.config, self.clock = db, config, clock
        self.catalogue = Catalogue(db, config)
        self.mapper = Mapper(config)

    # -- a user's groups ---------------------------------------------------------------------

    def memberships(self, eppn: str) -> list[tuple[Group, Membership]]:
        """Every group the user is in, with the membership shown for it (active or not)."""
        snap, now = self.catalogue.snapshot(), self.clock()
        eppn = eppn.lower()
        found: dict[str, tuple[Group, Membership]] = {}

        def keep(group: Group, membership: Membership) -> None:
            if group.id not in found or membership.rank > found[group.id][1].rank:
                found[group.id] = (group, membership)

        person_ids = snap.by_eppn.get(eppn, [])
        schools: set[str] = set()
        affiliations: set[str] = set()
        for group_ref, attrs, state in memberships_of(self.db, "person", person_ids):
            feide_id = snap.by_mv.get(group_ref)
            if feide_id is None:
                continue
            group = snap.groups[feide_id]
            if group_ref in snap.units:
                schools.add(feide_id)
                affiliations.add(self.mapper.affiliation(text(attrs, "role")))
                continue
            membership = self.mapper.membership(
                group, text(attrs, "role"), attrs.get("begin"), attrs.get("end"), state, now
            )
            keep(group, membership)
            affiliations.add(membership.body.get("affiliation") or self.mapper.affiliation(text(attrs, "role")))
            if group.family == "go" and membership.active:
                schools.add(str(group.body["parent"]))
        for c in snap.candidates.get(eppn, []):
            keep(
                snap.groups[c.group],
                self.mapper.membership(snap.groups[c.group], "student", c.begin, c.end, c.state, now),
            )
            affiliations.add("student")
        people = [snap.persons[p] for p in person_ids]
        self._schools(snap, schools, people, keep)
        self._org(snap, eppn, people, affiliations, keep)
        return sorted(found.values(), key=lambda gm: (FAMILY_ORDER[gm[0].family], gm[0].type, gm[0].id))

    def _schools(self, snap: Snapshot, schools: set[str], people: list[Any], keep: Callable[..., None]) -> None:
        names = {p.school_name for p in people if p.school_name}
        for school in schools:
            group = snap.groups.get(school)
            if group is not None:
                primary = group.body.get("displayName") in names or len(schools) == 1
                keep(group, self.mapper.unit_membership(primary))

    def _org(self, snap: Snapshot, eppn: str, people: list[Any], found: set[str], keep: Callable[..., None]) -> None:
        org = snap.orgs.get(eppn.rsplit("@", 1)[-1])
        if org is None or not (people or found):
            return
        affiliations = {a for p in people for a in p.affiliations} or ({"member"} | found) - {""}
        primary = next((p.primary for p in people if p.primary), None)
        keep(org, self.mapper.org_membership(org, sorted(affiliations), primary))

    def my_groups(self, eppn: str, show_all: bool = False) -> list[Json]:
        return [with_membership(g, m) for g, m in self.memberships(eppn) if show_all or m.active]

    def my_membership(self, eppn: str, groupid: str) -> Json:
        group = self._group(groupid)
        for g, m in self.memberships(eppn):
            if g.id == group.id:
                return m.body
        raise NotFound(f"{eppn} is not a member of {group.id}")

    # -- groups and members ------------------------------------------------------------------

    def _group(self, groupid: str) -> Group:
        group = self.catalogue.snapshot().find(groupid)
        if group is None:
            raise NotFound(f"no group {quoted(groupid)}")
        return group

    def group(self, groupid: str, eppn: str | None) -> Json:
        group = self._group(groupid)
        if eppn is None:
            return dict(group.body)
        for g, m in self.memberships(eppn):
            if g.id == group.id:
                return with_membership(g, m)
        raise NotFound(f"no group {quoted(groupid)} that {eppn} is a member of")

    def members(self, groupid: str, eppn: str | None, show_all: bool = False, with_ids: bool = False) -> list[Json]:
        group = self._group(groupid)
        if eppn is not None and not any(g.id == group.id for g, _ in self.memberships(eppn)):
            raise NotFound(f"no group {quoted(groupid)} that {eppn} is a member of")
        if group.family in ("org", "orgunit"):
            return []  # as Feide: an organisation's member list is not served
        snap, now = self.catalogue.snapshot(), self.clock()
        best: dict[str, tuple[str, Membership]] = {}  # by Feide name (or person id)
        for person_id, attrs, state in memberships_of(self.db, "group", snap.sources.get(group.id, [])):
            person = snap.persons.get(person_id)
            if person is None:
                continue
            m = self.mapper.membership(group, text(attrs, "role"), attrs.get("begin"), attrs.get("end"), state, now)
            key = person.eppn or person.id
            if key not in best or m.rank > best[key][1].rank:
                best[key] = (person.name, m)
        for c in snap.candidates_of.get(group.id, []):
            m = self.mapper.membership(group, "student", c.begin, c.end, c.state, now)
            if c.eppn not in best or m.rank > best[c.eppn][1].rank:
                best[c.eppn] = (c.name, m)
        out = []
        for key, (name, m) in sorted(best.items(), key=lambda kv: (kv[1][0], kv[0])):
            if not (show_all or m.active):
                continue
            entry: Json = {"name": name, "membership": m.body}
            if with_ids and "@" in key:
                entry["userid_sec"] = [f"feide:{key}"]
            out.append(entry)
        return out

    def groups(self, eppn: str | None, query: str | None = None) -> list[Json]:
        """A user's groups (all, active or not), or every group for a caller not bound to a user."""
        if eppn is not None:
            found = [with_membership(g, m) for g, m in self.memberships(eppn)]
        else:
            snap = self.catalogue.snapshot()
            ordered = sorted(snap.groups.values(), key=lambda g: (FAMILY_ORDER[g.family], g.type, g.id))
            found = [dict(g.body) for g in ordered]
        needle = (query or "").strip().lower()
        return [g for g in found if needle in str(g.get("displayName", "")).lower()] if needle else found

    @staticmethod
    def grouptypes() -> list[Json]:
        return [{"id": gid, "displayName": {"nb": nb, "en": en}} for gid, nb, en in GROUP_TYPES]
