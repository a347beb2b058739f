"""The ``scim`` target: users, groups and memberships into a SCIM 2.0 service (RFC 7643/7644).

Before a batch is written, the users and groups it touches are found by ``externalId`` (the
change's key), with paged filter searches. Against what the service holds *now*:

- ``add``, ``update``, ``restore`` and ``archive`` make the resource look as the change says: a
  POST when it is not there, else a PATCH of exactly the paths that differ (a PUT of the whole
  resource when the service has no PATCH, or with ``update: replace``), else nothing;
- ``delete`` of a user deactivates it (``active`` false) when soft and ``soft_delete:
  deactivate``, else deletes it; a group is deleted; a resource already gone counts as done;
- a ``membership`` adds its user to its group's ``members`` (or removes it), one PATCH per
  group per batch, after the batch's users and groups are written.

So a batch sent again after a killed run changes nothing twice (``confirm`` tells which
changes the service already reflects), and ``drifted`` tells which resources no longer hold
what edusync last sent. Writes carry ``If-Match`` when the service offers ETags; one refused
for a version that moved on is read again and sent once more. A resource that vanished
between the read and the write (404) is created again. Writes go as ``/Bulk`` requests when
the service supports them (see :mod:`edusync.connectors.scim.sending`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import httpx
from scim2_models import Group, Resource

from edusync import faults
from edusync.connectors.base import Capability, Connector, Drifted, ObjectTypeSpec
from edusync.connectors.scim import mapping
from edusync.connectors.scim.client import ScimClient, ScimUser
from edusync.connectors.scim.sending import Outcome, Sender, Write
from edusync.connectors.scim.settings import ScimSettings
from edusync.connectors.scim.state import Held, State, read_state
from edusync.errors import RetriableError, SkippableError
from edusync.model.records import Change, ChangeResult, Op

MODELS: dict[str, type[Resource[Any]]] = {"user": ScimUser, "group": Group}
#: Refusals worth sending again next run: the service was busy, or a version moved on twice.
_PASSING = frozenset({412, 429, 503})


class ScimConnector(Connector):
    """See the module docstring and docs/scim.md."""

    type_name = "scim"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.EXPORT, Capability.CONFIRM, Capability.SOFT_DELETE, Capability.RECONCILE}
    )
    settings_model = ScimSettings
    default_batch_size = 500
    settings: ScimSettings

    def __init__(
        self, name: str, settings: Any, base_dir: Path, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        super().__init__(name, settings, base_dir)
        self._transport = transport  # tests only
        self._client: ScimClient | None = None

    @property
    def client(self) -> ScimClient:
        if self._client is None:
            self._client = ScimClient(self.settings, self.name, self._transport)
        return self._client

    def object_types(self) -> list[ObjectTypeSpec]:
        return [
            ObjectTypeSpec("user", "externalId", mapping.USER_ATTRS),
            ObjectTypeSpec("group", "externalId", mapping.GROUP_ATTRS),
            ObjectTypeSpec("membership", "id", mapping.MEMBER_ATTRS, {"person": "user", "group": "group"}),
        ]

    # -- what each change wants -------------------------------------------------------------

    def _wanted(self, c: Change) -> mapping.View | None:
        """The view a user or group change leaves (None: the resource is deleted)."""
        if c.object_type == "group":
            return None if c.op == Op.DELETE else mapping.group_view(c.key, c.attrs)
        if c.op == Op.DELETE:
            if c.soft and self.settings.soft_delete == "deactivate":
                return {**mapping.user_view(c.key, c.attrs), "active": False}
            return None
        return mapping.user_view(c.key, c.attrs)

    def _check(self, c: Change) -> None:
        if c.object_type not in ("user", "group", "membership"):
            raise SkippableError(f"scim has no object type {c.object_type!r} (known: user, group, membership)")
        if c.object_type == "membership":
            mapping.member_keys(c.key, c.attrs)
        elif not (c.op == Op.DELETE and not (c.object_type == "user" and c.soft)):
            self._wanted(c)

    def _write(self, c: Change, held: Held, wanted: mapping.View | None) -> Write | None:
        """The request that brings ``held`` to ``wanted``; None when it is there already."""
        model, endpoint = MODELS[c.object_type], self.client.endpoint(MODELS[c.object_type])
        if wanted is None:
            if held.id is None:
                return None
            return Write(c, c.object_type, "DELETE", endpoint, held.id, held.version, None, None)
        if held.id is None:
            if c.object_type == "user" and wanted.get("active") is False:
                return None  # a deactivated user that is gone is as gone as it gets
            data = mapping.user(c.key, wanted) if c.object_type == "user" else mapping.group(c.key, wanted)
            return Write(c, c.object_type, "POST", endpoint, None, None, data, wanted)
        paths = mapping.differences(wanted, held.view or {})
        if not paths:
            return None
        replace = self.settings.update == "replace" or (
            self.settings.update == "auto" and not self.client.features.patch
        )
        if replace:
            data = mapping.user(c.key, wanted) if c.object_type == "user" else held.group_with(c.key, wanted)
            return Write(c, c.object_type, "PUT", endpoint, held.id, held.version, data, wanted)
        patch = mapping.patch(model, wanted, paths)
        return Write(c, c.object_type, "PATCH", endpoint, held.id, held.version, patch, wanted)

    # -- writing ----------------------------------------------------------------------------

    def _sender(self) -> Sender:
        return Sender(self.client, bulk=self.settings.bulk, bulk_size=self.settings.bulk_size)

    def export(self, changes: Sequence[Change]) -> list[ChangeResult]:
        results: list[ChangeResult] = []
        good: list[Change] = []
        for c in changes:
            try:
                self._check(c)
                good.append(c)
            except SkippableError as exc:
                results.append(ChangeResult(c.id, False, str(exc), retriable=False))
        if not good:
            return results
        try:
            state = read_state(self.client, good)
            results += self._resources(state, [c for c in good if c.object_type != "membership"])
            faults.reach("scim.resources_written")
            results += self._memberships(state, [c for c in good if c.object_type == "membership"])
        except RetriableError as exc:
            done = {r.change_id for r in results}
            note = f"not sent: {exc}; the next run finds what arrived and sends the rest"
            results += [ChangeResult(c.id, False, note, True) for c in good if c.id not in done]
        return results

    def _resources(self, state: State, changes: list[Change]) -> list[ChangeResult]:
        results: list[ChangeResult] = []
        pending: list[Write] = []
        touched: set[tuple[str, str]] = set()

        def flush() -> None:
            for outcome in Sender(self.client, bulk=self.settings.bulk, bulk_size=self.settings.bulk_size).send(
                pending
            ):
                results.append(self._settle(state, outcome))
            pending.clear()
            touched.clear()

        for c in changes:
            where = (c.object_type, c.key)
            if where in touched:  # the same resource twice in a batch: its first write must land first
                flush()
                state.refresh(self.client, c.object_type, c.key)
            write = self._write(c, state.get(*where), self._wanted(c))
            if write is None:
                results.append(ChangeResult(c.id, True))
                continue
            pending.append(write)
            touched.add(where)
        flush()
        return results

    def _settle(self, state: State, outcome: Outcome) -> ChangeResult:
        """Record what a write did; a stale version is read again and sent once more, a vanished resource re-created."""
        w, error = outcome.write, outcome.error
        c = w.change
        if error is not None and (error.status == 412 or (error.status == 404 and w.method != "POST")):
            if error.status == 404 and w.method == "DELETE":
                state.forget(w.kind, c.key)
                return ChangeResult(c.id, True)
            state.refresh(self.client, w.kind, c.key)
            again = self._write(c, state.get(w.kind, c.key), self._wanted(c))
            if again is None:
                return ChangeResult(c.id, True)
            (outcome,) = Sender(self.client, bulk=False, bulk_size=1).send([again])
            w, error = outcome.write, outcome.error
        if error is not None:
            passing = error.status is None or error.status >= 500 or error.status in _PASSING
            return ChangeResult(c.id, False, f"{w.kind} {c.key}: {w.method} {w.endpoint}: {error.explain()}", passing)
        state.wrote(w, outcome)
        return ChangeResult(c.id, True)

    def _memberships(self, state: State, changes: list[Change]) -> list[ChangeResult]:
        results: list[ChangeResult] = []
        by_group: dict[str, tuple[list[Change], set[str], set[str]]] = {}
        for c in changes:
            person, group = mapping.member_keys(c.key, c.attrs)
            user, grp = state.get("user", person), state.get("group", group)
            if c.op == Op.DELETE:
                if user.id is None or grp.id is None or user.id not in grp.members:
                    results.append(ChangeResult(c.id, True))  # not a member: the end state holds
                    continue
            elif user.id is None or grp.id is None:
                missing = f"user {person}" if user.id is None else f"group {group}"
                results.append(ChangeResult(c.id, False, f"membership {c.key}: {missing} is not in the SCIM service"))
                continue
            elif user.id in grp.members:
                results.append(ChangeResult(c.id, True))
                continue
            entry = by_group.setdefault(group, ([], set(), set()))
            entry[0].append(c)
            (entry[2] if c.op == Op.DELETE else entry[1]).add(user.id)
        writes, of_write = [], {}
        endpoint = self.client.endpoint(Group)
        for group, (members, add, remove) in by_group.items():
            grp = state.get("group", group)
            patch = mapping.members_patch(sorted(add - remove), sorted(remove - add))
            # Members are added and removed by value, which holds whatever else changed: no If-Match.
            writes.append(Write(members[0], "group", "PATCH", endpoint, grp.id, None, patch, None))
            of_write[members[0].id] = group
        for outcome in self._sender().send(writes):
            group = of_write[outcome.write.change.id]
            members, add, remove = by_group[group]
            if outcome.error is None:
                grp = state.get("group", group)
                grp.members.update(add)
                grp.members.difference_update(remove)
                results += [ChangeResult(c.id, True) for c in members]
            else:
                error = f"group {group}: PATCH members: {outcome.error.explain()}"
                retriable = outcome.error.status is None or outcome.error.status >= 500
                results += [ChangeResult(c.id, False, error, retriable) for c in members]
        return results

    # -- reading back -----------------------------------------------------------------------

    def _holds(self, state: State, c: Change) -> bool:
        if c.object_type == "membership":
            person, group = mapping.member_keys(c.key, c.attrs)
            user, grp = state.get("user", person), state.get("group", group)
            member = user.id is not None and grp.id is not None and user.id in grp.members
            return member != (c.op == Op.DELETE)
        try:
            held, wanted = state.get(c.object_type, c.key), self._wanted(c)
            if wanted is not None and held.id is None:
                return False  # a deactivation of a user that is not there was not applied (nor needed)
            return self._write(c, held, wanted) is None
        except SkippableError:
            return False

    def confirm(self, changes: Sequence[Change]) -> set[int]:
        """Ids of the changes whose end state the service already holds (read with paged filter searches)."""
        known = [c for c in changes if c.object_type in ("user", "group", "membership")]
        state = read_state(self.client, known)
        return {c.id for c in known if self._holds(state, c)}

    def drifted(self, expected: Sequence[Change]) -> list[Drifted]:
        known = [c for c in expected if c.object_type in ("user", "group", "membership") and c.op != Op.DELETE]
        state = read_state(self.client, known)
        out: list[Drifted] = []
        for c in known:
            try:
                if c.object_type == "membership":
                    if not self._holds(state, c):
                        out.append(Drifted(c.object_type, c.key, missing=True))
                    continue
                held, wanted = state.get(c.object_type, c.key), self._wanted(c)
            except SkippableError:  # what was sent no longer maps: nothing to compare
                continue
            if held.id is None:
                out.append(Drifted(c.object_type, c.key, missing=True))
            elif wanted is not None and (paths := mapping.differences(wanted, held.view or {})):
                out.append(Drifted(c.object_type, c.key, attributes=tuple(paths)))
        return out

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
