"""The ``imses`` target: persons, groups and memberships into itslearning over IMS Enterprise Services.

Ops:

- ``add``, ``update`` and ``restore`` are ``createX``: itslearning's create is an upsert, and
  creating a person who is in its trash brings them back;
- ``delete`` is ``deleteX``: a person goes to itslearning's trash (IMS ES has no hard delete,
  so a hard delete does the same);
- ``archive`` of a group is ``deleteGroup`` with ``archive: delete`` (itslearning archives a
  deleted course when the site's course archiving is on) and an upsert with ``keep``; an
  archived person or membership is kept as sent.

Consecutive changes of one kind (person, group or membership) and direction (create or delete)
go out as batch calls of ``batch_size`` items (``createPersons``, ``deleteMemberships`` …; a call
of one item uses the single operation). The answer has one status per item, in request order,
and each change gets the status at its position. Groups are always deleted one by one
(``deleteGroups`` is not documented by itslearning), and a run of groups is sent parents first.

Re-sending is harmless: create is an upsert, and a delete that itslearning answers with
``unknownobject`` (it no longer has the object, or the person is already in the trash) counts
as done. So the connector needs no ``confirm``: a resumed export sends its batch again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import httpx

from edusync.connectors.base import Capability, Connector, ObjectTypeSpec
from edusync.connectors.imses import mapping
from edusync.connectors.imses.client import CallRefused, ImsesClient
from edusync.connectors.imses.settings import ImsesSettings
from edusync.connectors.imses.soap import SERVICES, Element, Status, delete_request, upsert_request
from edusync.errors import RetriableError, SkippableError
from edusync.model.records import Change, ChangeResult, Op

KINDS = {"person": "person", "organisation": "group", "group": "group", "membership": "membership"}
DEFAULT_GROUP_TYPES = {"organisation": "School", "group": "Course"}
PERSON_ATTRS = (
    *("givenName", "familyName", "fullName", "username", "feide"),
    *("email", "url", "phone", "mobile", "gender", "birthDate", "role"),
)
GROUP_ATTRS = (
    *("name", "description", "groupType", "parent", "school"),
    *("parentName", "courseTitle", "courseCode", "credits"),
)
MEMBER_ATTRS = ("person", "group", "roletype", "role", "subrole", "status", "begin", "end", "homeOrganisation")
PASSING = frozenset({"server_busy", "internal_server_error"})


@dataclass(slots=True)
class _Item:
    change: Change
    kind: str
    delete: bool
    data: Element | None = None
    parent: str | None = None

    @property
    def key(self) -> str:
        return self.change.key


class ImsesConnector(Connector):
    """See the module docstring and docs/imses.md."""

    type_name = "imses"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.EXPORT, Capability.SOFT_DELETE})
    settings_model = ImsesSettings
    default_batch_size = 500
    settings: ImsesSettings

    def __init__(
        self, name: str, settings: Any, base_dir: Path, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        super().__init__(name, settings, base_dir)
        self._transport = transport  # tests only: see ImsesClient
        self._client: ImsesClient | None = None

    @property
    def client(self) -> ImsesClient:
        if self._client is None:
            self._client = ImsesClient(self.settings, self.name, self._transport)
        return self._client

    def object_types(self) -> list[ObjectTypeSpec]:
        return [
            ObjectTypeSpec("person", "id", PERSON_ATTRS),
            ObjectTypeSpec("organisation", "id", GROUP_ATTRS, {"parent": "organisation"}),
            ObjectTypeSpec("group", "id", GROUP_ATTRS, {"parent": "group", "school": "organisation"}),
            ObjectTypeSpec("membership", "id", MEMBER_ATTRS, {"person": "person", "group": "group"}),
        ]

    # -- planning the calls -----------------------------------------------------------------

    def _item(self, c: Change) -> _Item:
        kind = KINDS.get(c.object_type)
        if kind is None:
            raise SkippableError(f"imses has no object type {c.object_type!r} (known: {', '.join(KINDS)})")
        mapping.check_key(kind, c.key)
        s = self.settings
        if c.op == Op.DELETE or (c.op == Op.ARCHIVE and kind == "group" and s.archive == "delete"):
            return _Item(c, kind, True)
        service = SERVICES[kind]
        if kind == "person":
            return _Item(c, kind, False, mapping.person(service, c.attrs, s.institution_roles))
        if kind == "membership":
            return _Item(c, kind, False, mapping.membership(service, c.attrs))
        data, parent = mapping.group(service, c.key, c.attrs, DEFAULT_GROUP_TYPES[c.object_type], s.group_types)
        return _Item(c, kind, False, data, parent)

    def _chunks(self, items: list[_Item]) -> Iterator[list[_Item]]:
        """Runs of one kind and direction, in the change set's order, cut into calls."""
        run: list[_Item] = []
        for item in [*items, None]:
            if run and (item is None or (item.kind, item.delete) != (run[0].kind, run[0].delete)):
                first = run[0]
                if first.kind == "group" and not first.delete:
                    run = _parents_first(run)
                step = 1 if first.kind == "group" and first.delete else self.settings.batch_size
                for i in range(0, len(run), step):
                    yield run[i : i + step]
                run = []
            if item is not None:
                run.append(item)

    # -- sending ----------------------------------------------------------------------------

    def export(self, changes: Sequence[Change]) -> list[ChangeResult]:
        results: list[ChangeResult] = []
        items: list[_Item] = []
        for c in changes:
            try:
                items.append(self._item(c))
            except SkippableError as exc:
                results.append(ChangeResult(c.id, False, f"{c.object_type} {c.key}: {exc}", retriable=False))
        broken: str | None = None
        for chunk in self._chunks(items):
            if broken is not None:
                results += [ChangeResult(i.change.id, False, broken, True) for i in chunk]
                continue
            try:
                results += self._send(chunk)
            except CallRefused as exc:
                results += [ChangeResult(i.change.id, False, str(exc), False) for i in chunk]
            except RetriableError as exc:
                # The endpoint is gone for now: the rest is not tried, and the next run sends it all again.
                results += [ChangeResult(i.change.id, False, str(exc), True) for i in chunk]
                broken = f"not sent: {exc}"
        return results

    def _send(self, chunk: list[_Item]) -> list[ChangeResult]:
        first = chunk[0]
        service = SERVICES[first.kind]
        if first.delete:
            operation, request = delete_request(service, [i.key for i in chunk], batch=first.kind != "group")
        else:
            operation, request = upsert_request(service, [(i.key, i.data) for i in chunk if i.data is not None])
        reply = self.client.call(first.kind, operation, request)
        if len(reply.statuses) != len(chunk):
            where = self.client.where(service, operation)
            error = f"{where}: {len(reply.statuses)} statuses came back for {len(chunk)} items, so none can be matched"
            return [ChangeResult(i.change.id, False, error, True) for i in chunk]
        return [_result(i, s, operation) for i, s in zip(chunk, reply.statuses, strict=True)]

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _result(item: _Item, status: Status, operation: str) -> ChangeResult:
    if status.ok:
        return ChangeResult(item.change.id, True)
    minor = (status.code_minor or "").lower()
    if item.delete and "unknownobject" in minor:
        return ChangeResult(item.change.id, True)  # already gone: the delete's end state holds
    error = f"{operation}: itslearning refused {item.kind} {item.key}: {status.explain()}"
    passing = status.code_major.lower() == "processing" or any(m in minor for m in PASSING)
    return ChangeResult(item.change.id, False, error, passing)


def _parents_first(run: list[_Item]) -> list[_Item]:
    """The same items, each group after its parent when both are in the run (else in their order)."""
    by_key: dict[str, list[_Item]] = {}
    for item in run:
        by_key.setdefault(item.key, []).append(item)
    out: list[_Item] = []
    placed: set[str] = set()

    def place(key: str) -> None:
        if key in placed:
            return
        placed.add(key)  # before the parents, so a cycle ends here
        for item in by_key[key]:
            if item.parent is not None and item.parent in by_key:
                place(item.parent)
        out.extend(by_key[key])

    for item in run:
        place(item.key)
    return out
