"""What the SCIM service holds of one batch's users and groups, found by ``externalId``, and kept up to date
as the batch writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scim2_models import Group, GroupMember, Resource

from edusync.connectors.scim import mapping
from edusync.connectors.scim.client import ScimClient, ScimUser
from edusync.connectors.scim.sending import Outcome, Write
from edusync.model.records import Change

MODELS: dict[str, type[Resource[Any]]] = {"user": ScimUser, "group": Group}


@dataclass
class Held:
    """One resource as the service holds it (``resource`` None: it has none with this externalId)."""

    resource: Resource[Any] | None = None
    view: mapping.View | None = None
    #: The members' SCIM ids, for a group.
    members: set[str] = field(default_factory=set)
    #: Known also when ``resource`` is not (a bulk create answers with a location only).
    known_id: str | None = None

    @property
    def id(self) -> str | None:
        return self.resource.id if self.resource is not None else self.known_id

    @property
    def version(self) -> str | None:
        """The version it was read at; None after a write whose answer carried none (then sent unconditional)."""
        meta = self.resource.meta if self.resource is not None else None
        return meta.version if meta is not None else None

    @classmethod
    def of(cls, resource: Resource[Any]) -> Held:
        members = {m.value for m in (getattr(resource, "members", None) or []) if m.value}
        return cls(resource, mapping.view_of(resource), members)

    def group_with(self, key: str, view: mapping.View) -> Group:
        """The whole group for a PUT: the new name, and the members it holds now (a PUT replaces them all)."""
        group = mapping.group(key, view)
        group.members = [GroupMember(value=m) for m in sorted(self.members)] or None
        return group


class State:
    def __init__(self) -> None:
        self.held: dict[tuple[str, str], Held] = {}

    def get(self, kind: str, key: str) -> Held:
        return self.held.setdefault((kind, key), Held())

    def forget(self, kind: str, key: str) -> None:
        self.held[(kind, key)] = Held()

    def refresh(self, client: ScimClient, kind: str, key: str) -> None:
        found = client.find(MODELS[kind], {key})
        self.held[(kind, key)] = Held.of(found[key]) if key in found else Held()

    def wrote(self, write: Write, outcome: Outcome) -> None:
        """What a write that went through leaves: the answer when the service sent one, else what was sent."""
        key = (write.kind, write.change.key)
        if write.view is None:
            self.held[key] = Held()
            return
        before = self.held.get(key, Held())
        if outcome.resource is not None:
            after = Held.of(outcome.resource)
        else:  # a 204 or a bulk status: the version is unknown, so a later write to it reads it again
            after = Held(None, write.view, set(before.members), outcome.id or before.id)
        if write.kind == "group" and write.method != "POST":
            after.members = set(before.members)
        self.held[key] = after


class Listing:
    """One export's picture of a whole resource type, read once when a batch would otherwise search for most of it.

    A service that holds few resources of a type compared with what a batch looks up (an empty
    one, on the first export) is read in full, page by page, instead of with filter searches of
    a few values each; the export's own writes keep the picture current, and a write refused for
    a resource that moved on (412, 404) reads that one again. Filled once per export, dropped by
    ``begin_export``: a resumed export reads the service anew.
    """

    #: List the whole type when it holds at most this many resources per key a batch looks up.
    RATIO = 20

    def __init__(self) -> None:
        self.held: dict[str, dict[str, Held]] = {}

    def found(self, client: ScimClient, kind: str, wanted: set[str]) -> dict[str, Held] | None:
        """The held resources for ``wanted``, from the listing (read now if it pays); None: search instead."""
        if kind not in self.held:
            if len(wanted) < client.settings.filter_keys:
                return None
            total = client.total(MODELS[kind])
            if total > self.RATIO * len(wanted):
                return None
            listed: dict[str, Held] = {}
            for resource in client.search(MODELS[kind], None):
                if resource.external_id:
                    listed[resource.external_id] = Held.of(resource)
            self.held[kind] = listed
        have = self.held[kind]
        return {key: have[key] for key in wanted if key in have}

    def update(self, state: State) -> None:
        for (kind, key), held in state.held.items():
            if kind in self.held:
                self.held[kind][key] = held


def read_state(client: ScimClient, changes: Sequence[Change], listing: Listing | None = None) -> State:
    """Find every user and group the changes touch, memberships' users and groups included."""
    keys: dict[str, set[str]] = {"user": set(), "group": set()}
    for c in changes:
        if c.object_type == "membership":
            person, group = mapping.member_keys(c.key, c.attrs)
            keys["user"].add(person)
            keys["group"].add(group)
        elif c.object_type in keys:
            keys[c.object_type].add(c.key)
    state = State()
    for kind, wanted in keys.items():
        if not wanted:
            continue
        listed = listing.found(client, kind, wanted) if listing is not None else None
        if listed is not None:
            for key, held in listed.items():
                state.held[(kind, key)] = held
            continue
        for key, resource in client.find(MODELS[kind], wanted).items():
            state.held[(kind, key)] = Held.of(resource)
    return state
