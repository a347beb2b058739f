"""The ``ldap`` target: the Feide catalogue (eduPerson, norEdu*) in an LDAP server such as OpenLDAP.

Every change is applied on its own and gets its own result. Before a batch is
written, the entries it touches are read (paged searches by key), so that:

- an add or update sends only the attributes whose values differ from what the
  entry holds *now* (a value changed by hand is put back by the next write);
- an add of an entry that exists, a delete of one that is gone, or a change sent
  again after a killed run changes nothing twice;
- ``confirm`` tells which in-flight changes the directory already reflects;
- ``drifted`` (capability ``reconcile``) tells which entries no longer hold what
  edusync last sent them, so the engine can put back a hand edit on the next run.

Ops: ``add``, ``update``, ``restore`` and ``archive`` all make the entry look as
the change says (``restore`` first moves a soft-deleted entry back from the
trash; ``archive`` keeps the entry). ``delete`` with ``soft`` moves the entry to
the trash container when ``soft_delete: move`` (the default), else deletes it; a
hard delete removes it from wherever it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ldap3 import Connection
from ldap3.core.exceptions import LDAPOperationResult
from pydantic import BaseModel

from edusync.connectors.base import Capability, Connector, Drifted, ObjectTypeSpec
from edusync.connectors.ldap.directory import LOST, RETRY_CODES, Directory, Found, describe
from edusync.connectors.ldap.mapping import LAYOUTS, Entry, Mapper, modifications
from edusync.connectors.ldap.settings import LdapSettings
from edusync.errors import RetriableError, SkippableError
from edusync.model import fnr
from edusync.model.records import Change, ChangeResult, Op

State = dict[tuple[str, str], Found]


@dataclass(frozen=True)
class Drift:
    """One difference between what edusync wants in the catalogue and what is there."""

    object_type: str
    key: str
    dn: str
    attribute: str  # "*" when the whole entry is missing
    expected: list[str]
    actual: list[str]


class LdapConnector(Connector):
    """Writes organisations, org units and persons; see the module docstring and docs/ldap.md."""

    type_name = "ldap"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.EXPORT, Capability.CONFIRM, Capability.SOFT_DELETE, Capability.RECONCILE}
    )
    settings_model = LdapSettings
    default_batch_size = 500
    settings: LdapSettings

    def __init__(self, name: str, settings: BaseModel, base_dir: Path) -> None:
        assert isinstance(settings, LdapSettings)
        super().__init__(name, settings, base_dir)
        self.mapper = Mapper(settings)
        self.directory = Directory(settings, name)
        self._containers_ready = False

    def object_types(self) -> list[ObjectTypeSpec]:
        return [
            ObjectTypeSpec(layout.name, layout.rdn, layout.attributes + layout.inputs, dict(layout.references))
            for layout in LAYOUTS.values()
        ]

    # -- reading ----------------------------------------------------------------------------

    def _prepare(self) -> None:
        """Open the connection and create the containers once per connection."""
        self.directory.connection()
        if self._containers_ready or not self.settings.create_containers:
            return
        base = self.settings.base_dn
        wanted: set[str] = set()
        for name in LAYOUTS:
            for trash in (False, True):
                dn = self.mapper.container(name, trash=trash)
                rdns = dn[: -len(base) - 1].split(",")
                wanted.update(",".join([*rdns[i:], base]) for i in range(len(rdns)))
        self.directory.ensure_containers(wanted)
        self._containers_ready = True

    def _state(self, changes: Sequence[Change], *, trash: bool = True) -> State:
        """What the directory holds now for every key in ``changes`` (the trash too, unless ``trash`` is False)."""
        self._prepare()
        state: State = {}
        by_type: dict[str, set[str]] = {}
        for c in changes:
            if c.object_type in LAYOUTS:
                by_type.setdefault(c.object_type, set()).add(c.key)
        for object_type, keys in by_type.items():
            layout = LAYOUTS[object_type]
            wanted = ["objectClass", layout.rdn, *layout.attributes]
            home = self.directory.read(self.mapper.container(object_type), layout.rdn, keys, wanted)
            trashed = (
                self.directory.read(self.mapper.container(object_type, trash=True), layout.rdn, keys, wanted)
                if trash
                else {}
            )
            for key in keys:
                found = Found()
                if key in home:
                    found.dn, found.values = home[key]
                if key in trashed:
                    found.trash_dn, found.trash_values = trashed[key]
                state[(object_type, key)] = found
        return state

    def _read_state(self, changes: Sequence[Change], *, trash: bool = True) -> State:
        try:
            return self._state(changes, trash=trash)
        except LOST as exc:
            self._lost()
            raise RetriableError(f"{self.directory.where} stopped answering while reading entries: {exc}") from exc

    def _lost(self) -> None:
        self.directory.drop()
        self._containers_ready = False

    # -- writing ----------------------------------------------------------------------------

    def export(self, changes: Sequence[Change]) -> list[ChangeResult]:
        state = self._read_state(changes)
        conn = self.directory.connection()
        results: list[ChangeResult] = []
        broken: str | None = None
        for c in changes:
            if broken is not None:
                results.append(ChangeResult(c.id, False, broken, True))
                continue
            try:
                self._apply(conn, c, state)
                results.append(ChangeResult(c.id, True))
            except SkippableError as exc:
                results.append(ChangeResult(c.id, False, str(exc), False))
            except LDAPOperationResult as exc:
                dn = self.mapper.dn(c.object_type, c.key)
                results.append(ChangeResult(c.id, False, describe(exc, dn), exc.result in RETRY_CODES))
            except LOST as exc:
                self._lost()
                broken = f"{self.directory.where} stopped answering: {exc}; not applied, the next run sends it again"
                results.append(ChangeResult(c.id, False, broken, True))
        return results

    def _apply(self, conn: Connection, change: Change, state: State) -> None:
        if change.object_type not in LAYOUTS:
            raise SkippableError(f"ldap: no object type {change.object_type!r} (known: {', '.join(LAYOUTS)})")
        found = state.setdefault((change.object_type, change.key), Found())
        if change.op == Op.DELETE:
            self._delete(conn, change, found)
        else:
            self._put(conn, self.mapper.entry(change), change, found)

    def _put(self, conn: Connection, entry: Entry, change: Change, found: Found) -> None:
        """Make the live entry look like ``entry``: add it, bring it back from the trash, or modify it."""
        if found.dn is None and found.trash_dn is not None:
            home = self.mapper.container(change.object_type)
            conn.modify_dn(found.trash_dn, self.mapper.rdn(change.object_type, change.key), new_superior=home)
            found.dn, found.values, found.trash_dn, found.trash_values = entry.dn, found.trash_values, None, None
        if found.dn is None:
            attributes = {name: values for name, values in entry.values.items()}
            attributes[entry.layout.rdn] = [change.key]
            conn.add(entry.dn, list(entry.layout.classes), attributes)
        else:
            mods = modifications(entry, found.values or {})
            if mods:
                conn.modify(found.dn, mods)
        found.dn = entry.dn
        found.values = {k.lower(): v for k, v in entry.values.items()}
        found.values["objectclass"] = list(entry.layout.classes)

    def _delete(self, conn: Connection, change: Change, found: Found) -> None:
        if change.soft and self.settings.soft_delete == "move":
            if found.dn is not None:
                if found.trash_dn is not None:  # an older trashed copy would block the move
                    conn.delete(found.trash_dn)
                trash = self.mapper.container(change.object_type, trash=True)
                rdn = self.mapper.rdn(change.object_type, change.key)
                conn.modify_dn(found.dn, rdn, new_superior=trash)
                found.trash_dn, found.trash_values = f"{rdn},{trash}", found.values
                found.dn = found.values = None
            return
        for dn in (found.dn, found.trash_dn):
            if dn is not None:
                conn.delete(dn)
        found.dn = found.values = found.trash_dn = found.trash_values = None

    # -- confirming -------------------------------------------------------------------------

    def _holds(self, change: Change, found: Found) -> bool:
        """True when the directory already looks as ``change`` leaves it."""
        if change.op == Op.DELETE:
            moved = change.soft and self.settings.soft_delete == "move"
            return found.dn is None and (found.trash_dn is not None) == moved
        if found.dn is None:
            return False
        try:
            entry = self.mapper.entry(change)
        except SkippableError:
            return False
        return not modifications(entry, found.values or {})

    def confirm(self, changes: Sequence[Change]) -> set[int]:
        """Ids of the changes whose end state the directory already holds (read with paged searches)."""
        state = self._read_state(changes)
        return {c.id for c in changes if c.object_type in LAYOUTS and self._holds(c, state[(c.object_type, c.key)])}

    def drift(self, changes: Sequence[Change]) -> list[Drift]:
        """Where the directory differs from the state ``changes`` describe (e.g. an entry edited by hand).

        Pass the last change sent for each object (add, update, restore, archive);
        deletes are skipped. An empty list means the catalogue is as edusync left it.
        """
        state = self._read_state(changes, trash=False)
        found: list[Drift] = []
        for c in changes:
            if c.op != Op.DELETE and c.object_type in LAYOUTS:
                found += self._differences(c, self.mapper.entry(c), state[(c.object_type, c.key)])
        return found

    def drifted(self, expected: Sequence[Change]) -> list[Drifted]:
        """The entries that no longer hold what ``expected`` says, or are gone (read with paged searches).

        Only the home containers are read: an entry moved to the trash by hand is
        missing, and the add that puts it back moves it home again.
        """
        state = self._read_state(expected, trash=False)
        out: list[Drifted] = []
        for c in expected:
            if c.op == Op.DELETE or c.object_type not in LAYOUTS:
                continue
            try:
                entry = self.mapper.entry(c)
            except SkippableError:  # what was sent no longer maps (stricter rules since): nothing to compare
                continue
            found = self._differences(c, entry, state[(c.object_type, c.key)])
            if found and found[0].attribute == "*":
                out.append(Drifted(c.object_type, c.key, missing=True))
            elif found:
                out.append(Drifted(c.object_type, c.key, attributes=tuple(d.attribute for d in found)))
        return out

    @staticmethod
    def _differences(change: Change, entry: Entry, have: Found) -> list[Drift]:
        if have.dn is None:
            return [Drift(change.object_type, change.key, entry.dn, "*", ["present"], ["missing"])]
        found = []
        for name in modifications(entry, have.values or {}):
            expected, actual = entry.values.get(name, []), (have.values or {}).get(name.lower(), [])
            if name == "norEduPersonNIN":  # a drift report may be printed: never the number itself
                expected, actual = [fnr.mask(v) for v in expected], [fnr.mask(v) for v in actual]
            found.append(Drift(change.object_type, change.key, have.dn, name, expected, actual))
        return found

    def close(self) -> None:
        self.directory.close()
        self._containers_ready = False
