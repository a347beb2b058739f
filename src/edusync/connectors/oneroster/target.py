"""What the CSV package targets share: changes kept in a state file, one zip per change set, published atomically.

A package must be complete and consistent (a bulk package holds every object; every enrollment
points at a class and a user the package or the receiver has), while the engine sends only
changes. So, as pifu-xml does, each change is recorded in the published picture kept beside the
packages (:class:`edusync.connectors.pifu.state.State`: SQLite, streamed, one transaction per
publish), and :meth:`finish_export` renders the package from it: each file written to a temporary
file, the zip assembled under a temporary name, made durable and renamed (and uploaded over SFTP
first, when configured). The state commits only after the package is in place, so a process
killed at any point publishes the change set once, whole.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from abc import abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import orjson

from edusync.connectors.base import Capability, Connector, ObjectTypeSpec
from edusync.connectors.oneroster.canon import GROUP, MEMBERSHIP, ORG, PERSON, Canon, Normaliser
from edusync.connectors.oneroster.settings import PackageTargetSettings
from edusync.connectors.pifu.delivery import prune, publish, upload
from edusync.connectors.pifu.state import FAMILY, PendingRow, State
from edusync.errors import FatalError, SkippableError
from edusync.memory import collector_paused
from edusync.model.fnr import mask_text
from edusync.model.records import Change, ChangeResult, Op

SECTIONS = {"person": PERSON, "organisation": ORG, "group": GROUP, "membership": MEMBERSHIP}
_PERSON_ATTRS = ("username", "feide", "givenName", "familyName", "middleName", "identifier", "email", "phone",
                 "mobile", "userIds", "role", "school", "orgs", "grades", "agents", "enabled", "nin")  # fmt: skip
_GROUP_ATTRS = ("name", "groupType", "school", "code", "location", "course", "start", "grades", "subjects")
_MEMBER_ATTRS = ("person", "group", "role", "primary", "begin", "end")


class PackageTarget(Connector):
    """Base of ``oneroster-csv`` (as a target) and ``sds-csv``; subclasses render the files."""

    default_batch_size = 20_000  # a batch is one SQLite transaction
    settings: PackageTargetSettings
    #: The state file's name: ``.<prefix>.<state_name>``.
    state_name: ClassVar[str]

    def __init__(self, name: str, settings: Any, base_dir: Path) -> None:
        super().__init__(name, settings, base_dir)
        self._state: State | None = None
        self._token = ""
        self.normaliser = Normaliser(
            roles=self.settings.roles,
            enrollment_roles=self.settings.enrollment_roles,
            national_id=self.settings.national_id,
            year_start=self.settings.year_start,
            today=lambda: self.today or dt.date.today(),
            warn=self.warn,
        )

    def object_types(self) -> list[ObjectTypeSpec]:
        return [
            ObjectTypeSpec("organisation", "id", ("name", "type", "identifier", "parent"), {"parent": "organisation"}),
            ObjectTypeSpec("person", "id", _PERSON_ATTRS, {"school": "organisation"}),
            ObjectTypeSpec("group", "id", _GROUP_ATTRS, {"school": "organisation"}),
            ObjectTypeSpec("membership", "id", _MEMBER_ATTRS, {"person": "person", "group": "group"}),
        ]

    @property
    def prefix(self) -> str:
        return self.settings.prefix or self.name

    def folder(self) -> Path:
        if self.settings.output is None:
            raise FatalError(f"connector {self.name!r}: 'output' is not set, so it cannot export")
        folder = self.resolve_path(self.settings.output)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def state(self) -> State:
        if self._state is None:
            self._state = State(self.folder() / f".{self.prefix}.{self.state_name}")
        return self._state

    def begin_export(self, run_id: int, change_set_id: int) -> None:
        self._token = f"run{run_id:06d}-cs{change_set_id}"
        self.state()

    def _canon(self, c: Change) -> Canon:
        n = self.normaliser
        build = {"organisation": n.organisation, "person": n.person, "group": n.group, "membership": n.membership}
        return build[c.object_type](c.key, c.attrs)

    def _pending(self, c: Change) -> PendingRow | None:
        if c.object_type not in SECTIONS:
            raise SkippableError(f"{self.type_name} has no object type {c.object_type!r}")
        family, section = FAMILY.get(c.object_type, 1), SECTIONS[c.object_type]
        if c.op == Op.FORGET:
            return None  # edusync stops tracking it; the receiver keeps what it was last given
        if c.op in (Op.DELETE, Op.ARCHIVE):
            keep = c.op == Op.DELETE and c.soft and self.settings.soft_delete == "disable" and section == PERSON
            # Kept but disabled: its content stays what was published (None: taken from the state).
            return (c.id, family, c.key, None, None, None, int(keep), 0, None)
        record = self._canon(c)
        try:
            text = orjson.dumps(record).decode()
        except orjson.JSONEncodeError as exc:  # a lone surrogate: not text at all
            raise SkippableError(f"a value is not valid Unicode text ({exc})") from None
        # A class's label is its school: an enrollment names the school of its class.
        label = record.get("school") if section == GROUP else None
        return (c.id, family, c.key, section, "", label, 1, 1, text)

    def export(self, changes: Sequence[Change]) -> list[ChangeResult]:
        """Record the changes; they reach the package in :meth:`finish_export`."""
        rows: list[PendingRow] = []
        results: list[ChangeResult] = []
        for c in changes:
            try:
                row = self._pending(c)
            except SkippableError as exc:
                # The value a message quotes may be a fødselsnummer in the wrong attribute.
                message = mask_text(f"{c.object_type} {c.key}: {exc}")
                results.append(ChangeResult(c.id, False, message, retriable=False))
                continue
            if row is None:
                results.append(ChangeResult(c.id, True))
            else:
                rows.append(row)
        self.state().record(rows)
        results += [ChangeResult(row[0], True) for row in rows]
        return results

    def confirm(self, changes: Sequence[Change]) -> set[int]:
        """Changes recorded for the package being written, or in the package published last."""
        return self.state().recorded([c.id for c in changes])

    def finish_export(self) -> None:
        with collector_paused():  # rendering a county makes millions of short-lived objects and no cycles
            self._finish()

    def full(self, state: State) -> bool:
        """Whether this change set's package holds everything (else: only what changed)."""
        return True

    def skip_empty(self) -> bool:
        """Whether a delta that folded into nothing writes no package."""
        return False

    def skip_unchanged(self, full: bool) -> bool:
        """Whether a change set with no change at all writes no package."""
        return not full and self.skip_empty()

    def _finish(self) -> None:
        state = self.state()
        pending = state.has_pending()
        if not pending and state.get("published") == self._token:
            return  # this change set is already out (a resumed run)
        full = self.full(state)
        if not pending and self.skip_unchanged(full):
            return
        kind = "bulk" if full else "delta"
        folder = self.folder()
        final = folder / f"{self.prefix}-{self._token}-{kind}.zip"
        tmp = folder / f".{final.name}.tmp"
        state.begin(before=not full)
        try:
            state.apply()
            with tempfile.TemporaryDirectory(prefix=".render-", dir=folder) as scratch:
                written = self.render(Path(scratch), state, full)
                if not full and not written and self.skip_empty():
                    tmp.unlink(missing_ok=True)
                else:
                    _zip(Path(scratch), tmp)
                    if self.settings.sftp_host:
                        upload(self.settings, self.base_dir, tmp, final.name)
                    publish(tmp, final)
            state.commit({"published": self._token, "file": final.name, "mode": kind})
        except BaseException:
            state.rollback()
            tmp.unlink(missing_ok=True)
            raise
        prune(folder, self.prefix, self.settings.keep_files, suffix=".zip")

    @abstractmethod
    def render(self, folder: Path, state: State, full: bool) -> int:
        """Write the package's CSV files into ``folder``; return how many records they hold (the manifest aside)."""

    def close(self) -> None:
        if self._state is not None:
            self._state.close()
            self._state = None


def _zip(folder: Path, target: Path) -> None:
    """Every file of ``folder`` at the root of a zip, in name order (so equal content makes an equal zip)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for path in sorted(folder.iterdir()):
            info = zipfile.ZipInfo(path.name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with path.open("rb") as src, zf.open(info, "w") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)


def capabilities() -> frozenset[Capability]:
    return frozenset({Capability.EXPORT, Capability.SOFT_DELETE, Capability.CONFIRM})
