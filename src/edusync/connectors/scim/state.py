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


def read_state(client: ScimClient, changes: Sequence[Change]) -> State:
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
        if wanted:
            for key, resource in client.find(MODELS[kind], wanted).items():
                state.held[(kind, key)] = Held.of(resource)
    return state
