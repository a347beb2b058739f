"""The ``pifu-xml`` connector: PIFU-IMS 1.3 files out (full or delta), IMS Enterprise files in."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any, ClassVar, Literal

import orjson

from edusync import vault
from edusync.connectors.base import Capability, ImportStream, ObjectTypeSpec
from edusync.connectors.pifu import reader
from edusync.connectors.pifu.normalize import GROUP, MEMBERSHIP, ORG, PERSON, Canon, canon, unwritable
from edusync.connectors.pifu.published import PublishedTarget
from edusync.connectors.pifu.render import Document, document
from edusync.connectors.pifu.settings import PifuSettings
from edusync.connectors.pifu.state import FAMILY, FORGOTTEN, PendingRow, State
from edusync.errors import FatalError, SkippableError
from edusync.model.records import Change, Op

TYPES = ("person", "organisation", "group", "membership")
_PERSON_ATTRS = ("nin", "feide", "username", "studentId", "employeeId", "givenName", "familyName", "fullName", "email")
_GROUP_ATTRS = ("name", "groupType", "parent", "parentName", "start", "end", "adminPeriod")
_MEMBER_ATTRS = ("person", "group", "roletype", "role", "subrole", "status", "begin", "end")
# Enum members as plain names: looking one up on its class costs more than the test itself.
_FORGET, _DELETE, _GONE = Op.FORGET, Op.DELETE, (Op.DELETE, Op.ARCHIVE)


class PifuConnector(PublishedTarget):
    """Writes one PIFU-IMS file per change set into ``output`` (and over SFTP); reads ``input``.

    Object types: ``person``, ``organisation`` and ``group`` (both PIFU ``<group>``s;
    an organisation defaults to group type ``skole``), and ``membership``. The
    attribute names each type reads are in docs/pifu.md. What was published is kept
    in ``output/.<prefix>.pifu-state.sqlite`` (see :mod:`.state`), which is what a
    full file and the recstatus of a delta file are computed from.
    """

    type_name = "pifu-xml"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.FULL_IMPORT,
            Capability.DELTA_IMPORT,
            Capability.EXPORT,
            Capability.SOFT_DELETE,
            Capability.CONFIRM,
        }
    )
    settings_model = PifuSettings
    state_name = "pifu-state.sqlite"
    suffix = ".xml"
    full_word = "full"
    #: Forgets reach this connector: a released member must leave the published picture too.
    receives_forget: ClassVar[bool] = True
    settings: PifuSettings

    def __init__(self, name: str, settings: Any, base_dir: Path) -> None:
        super().__init__(name, settings, base_dir)
        self._vault = vault.current()

    def object_types(self) -> list[ObjectTypeSpec]:
        return [
            ObjectTypeSpec("person", "id", _PERSON_ATTRS),
            ObjectTypeSpec("organisation", "id", _GROUP_ATTRS, {"parent": "organisation"}),
            ObjectTypeSpec("group", "id", _GROUP_ATTRS, {"parent": "organisation"}),
            ObjectTypeSpec("membership", "id", _MEMBER_ATTRS, {"person": "person", "group": "group"}),
        ]

    # -- source -----------------------------------------------------------------------------

    def _input(self) -> Path:
        if self.settings.input is None:
            raise FatalError(f"connector {self.name!r}: 'input' is not set, so it cannot import")
        return self.resolve_path(self.settings.input)

    def import_objects(self, object_type: str, *, since: str | None = None) -> ImportStream:
        if object_type not in TYPES:
            raise FatalError(f"connector {self.name!r} has no object type {object_type!r}")
        files = reader.select(self._input(), since)
        records = reader.read(files, object_type, delta=since is not None)
        return ImportStream(records, files[-1].name if files else since)

    def snapshot(self, object_type: str) -> str | None:
        """The hash of the files a full import reads."""
        digest = hashlib.blake2b(object_type.encode())
        for path in reader.select(self._input(), None):
            digest.update(path.name.encode())
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
        return digest.hexdigest()[:32]

    # -- target -----------------------------------------------------------------------------

    def full(self, state: State) -> bool:
        return self.settings.mode == "full" or (self.settings.mode == "auto" and state.is_empty())

    def skip_empty(self) -> bool:
        return self.settings.skip_empty_delta

    def _pending(self, c: Change) -> PendingRow | None:
        if c.object_type not in TYPES:
            raise SkippableError(f"pifu-xml has no object type {c.object_type!r}")
        family = FAMILY.get(c.object_type, 1)
        op = c.op
        if op == _FORGET:
            if family != FAMILY["membership"]:
                return None  # the receiver keeps it, so later files keep it as it was published
            # A released member (itslearning made it a manual member): left out from now on, no recstatus 3.
            return (c.id, family, c.key, None, None, None, 0, FORGOTTEN, None)
        if op in _GONE:
            keep = op == _DELETE and c.soft and self.settings.soft_delete == "inactive" and family != 1
            # Kept-but-inactive takes its content from what was published (None: from the state).
            return (c.id, family, c.key, None, None, None, int(keep), 0, None)
        section, record = canon(c.object_type, c.key, c.attrs)
        try:
            text = orjson.dumps(record).decode()
        except orjson.JSONEncodeError as exc:  # a lone surrogate: not text at all
            raise SkippableError(f"a value is not valid Unicode text ({exc})") from None
        if bad := unwritable(text, "" if section == MEMBERSHIP else c.key):
            raise SkippableError(f"a value holds U+{ord(bad):04X}, a character XML cannot carry")
        text = self._vault.seal_text(text)  # a person's national id is sealed in the state file too
        grp = record["group"] if section == MEMBERSHIP else record.get("parent", "")
        label = record["short"] if section in (ORG, GROUP) else None
        return (c.id, family, c.key, section, grp, label, 1, 1, text)

    def write(self, tmp: Path, state: State, full: bool) -> bool:
        labels = state.labels()
        s = self.settings
        when = dt.datetime.now().astimezone().replace(microsecond=0).isoformat()
        kind: Literal["full", "delta"] = "full" if full else "delta"
        with document(
            tmp, kind, datasource=s.datasource, source=s.id_source, targets=s.targets, lang=s.lang, when=when
        ) as doc:
            if full:
                _write_full(doc, state, labels)
            else:
                _write_delta(doc, state, labels)
        # A delta whose every change folded into nothing the receiver would see is not published.
        return full or bool(doc.records) or not self.skip_empty()


def _emit(
    doc: Document, labels: dict[str, str], section: int, key: str, c: Canon, recstatus: int | None, active: bool
) -> None:
    if section == PERSON:
        doc.person(key, c, recstatus, active)
    elif section == MEMBERSHIP:
        doc.member(c, recstatus, active)
    else:
        parent: str = c["parent"]
        label: str = c.get("label") or (c["short"] if parent == key else labels.get(parent, parent))
        doc.group(key, c, label, recstatus)


def _write_full(doc: Document, state: State, labels: dict[str, str]) -> None:
    """Every object, in the state's (and the file's) order; memberships, nine in ten rows, without a dispatch."""
    member, loads, opened = doc.member, orjson.loads, vault.current().unseal_text
    for key, section, active, text in state.objects():
        if section == MEMBERSHIP:  # a member's person may be keyed on a national id, so it is opened too
            member(loads(opened(text)), None, bool(active))
        else:
            _emit(doc, labels, section, key, loads(opened(text)), None, bool(active))


def _write_delta(doc: Document, state: State, labels: dict[str, str]) -> None:
    """Each touched object once, as its net change: 1 new, 2 changed, 3 gone."""
    opened = vault.current().unseal_text
    for row in state.net():
        _fam, key, present, active, text, section, _grp, existed, old_active, old_text, old_section, _old = row
        after = orjson.loads(opened(text)) if present else None
        before = orjson.loads(opened(old_text)) if existed else None
        if after is None:
            if before is not None and active != FORGOTTEN:
                _emit(doc, labels, old_section, key, before, 3, bool(old_active))
        elif before is None:
            _emit(doc, labels, section, key, after, 1, bool(active))
        elif after == before and bool(active) == bool(old_active):
            continue
        elif section == MEMBERSHIP and _moved(before, after):
            # The member is identified by group, person and role: a new identity is a delete and an add.
            _emit(doc, labels, section, key, before, 3, bool(old_active))
            _emit(doc, labels, section, key, after, 1, bool(active))
        else:
            _emit(doc, labels, section, key, after, 2, bool(active))


def _moved(before: Canon, after: Canon) -> bool:
    return any(before[k] != after[k] for k in ("group", "person", "roletype"))
