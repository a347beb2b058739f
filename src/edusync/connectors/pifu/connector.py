"""The ``pifu-xml`` connector: PIFU-IMS 1.3 files out (full or delta), IMS Enterprise files in."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import orjson

from edusync import vault
from edusync.connectors.base import Capability, Connector, ImportStream, ObjectTypeSpec
from edusync.connectors.pifu import reader
from edusync.connectors.pifu.delivery import prune, publish, upload
from edusync.connectors.pifu.normalize import GROUP, MEMBERSHIP, ORG, PERSON, Canon, canon, unwritable
from edusync.connectors.pifu.render import Document, document
from edusync.connectors.pifu.settings import PifuSettings
from edusync.connectors.pifu.state import FAMILY, FORGOTTEN, PendingRow, State
from edusync.errors import FatalError, SkippableError
from edusync.memory import collector_paused
from edusync.model.records import Change, ChangeResult, Op

TYPES = ("person", "organisation", "group", "membership")
_PERSON_ATTRS = ("nin", "feide", "username", "studentId", "employeeId", "givenName", "familyName", "fullName", "email")
_GROUP_ATTRS = ("name", "groupType", "parent", "parentName", "start", "end", "adminPeriod")
_MEMBER_ATTRS = ("person", "group", "roletype", "role", "subrole", "status", "begin", "end")
# Enum members as plain names: looking one up on its class costs more than the test itself.
_FORGET, _DELETE, _GONE = Op.FORGET, Op.DELETE, (Op.DELETE, Op.ARCHIVE)


class PifuConnector(Connector):
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
    default_batch_size = 20_000  # a batch is one SQLite transaction
    #: Forgets reach this connector: a released member must leave the published picture too.
    receives_forget: ClassVar[bool] = True
    settings: PifuSettings

    def __init__(self, name: str, settings: Any, base_dir: Path) -> None:
        super().__init__(name, settings, base_dir)
        self._state: State | None = None
        self._token = ""
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

    @property
    def prefix(self) -> str:
        return self.settings.prefix or self.name

    def _folder(self) -> Path:
        if self.settings.output is None:
            raise FatalError(f"connector {self.name!r}: 'output' is not set, so it cannot export")
        folder = self.resolve_path(self.settings.output)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def state(self) -> State:
        if self._state is None:
            self._state = State(self._folder() / f".{self.prefix}.pifu-state.sqlite")
        return self._state

    def begin_export(self, run_id: int, change_set_id: int) -> None:
        self._token = f"run{run_id:06d}-cs{change_set_id}"
        self.state()

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

    def export(self, changes: Sequence[Change]) -> list[ChangeResult]:
        """Record the changes; they reach the file in :meth:`finish_export`."""
        rows: list[PendingRow] = []
        results: list[ChangeResult] = []
        for c in changes:
            try:
                row = self._pending(c)
            except SkippableError as exc:
                results.append(ChangeResult(c.id, False, f"{c.object_type} {c.key}: {exc}", retriable=False))
                continue
            if row is None:
                results.append(ChangeResult(c.id, True))
            else:
                rows.append(row)
        self.state().record(rows)
        results += [ChangeResult(row[0], True) for row in rows]
        return results

    def confirm(self, changes: Sequence[Change]) -> set[int]:
        """Changes recorded for the file being written, or in the file published last."""
        return self.state().recorded([c.id for c in changes])

    def finish_export(self) -> None:
        # Rendering a county makes millions of short-lived objects and no cycles worth a scan.
        with collector_paused():
            self._finish()

    def _finish(self) -> None:
        state = self.state()
        pending = state.has_pending()
        if not pending and state.get("published") == self._token:
            return  # this change set is already out (a resumed run)
        full = self.settings.mode == "full" or (self.settings.mode == "auto" and state.is_empty())
        if not full and not pending and self.settings.skip_empty_delta:
            return
        kind: Literal["full", "delta"] = "full" if full else "delta"
        folder = self._folder()
        final = folder / f"{self.prefix}-{self._token}-{kind}.xml"
        tmp = folder / f".{final.name}.tmp"
        state.begin(before=not full)
        try:
            state.apply()
            labels = state.labels()
            s = self.settings
            when = dt.datetime.now().astimezone().replace(microsecond=0).isoformat()
            with document(
                tmp, kind, datasource=s.datasource, source=s.id_source, targets=s.targets, lang=s.lang, when=when
            ) as doc:
                if full:
                    _write_full(doc, state, labels)
                else:
                    _write_delta(doc, state, labels)
            if not full and not doc.records and s.skip_empty_delta:
                tmp.unlink()  # every change folded into nothing the receiver would see
            else:
                if s.sftp_host:
                    upload(s, self.base_dir, tmp, final.name)
                publish(tmp, final)
            state.commit({"published": self._token, "file": final.name, "mode": kind})
        except BaseException:
            state.rollback()
            tmp.unlink(missing_ok=True)
            raise
        prune(folder, self.prefix, s.keep_files)

    def close(self) -> None:
        if self._state is not None:
            self._state.close()
            self._state = None


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
