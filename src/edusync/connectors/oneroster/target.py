"""What the CSV package targets share: changes kept in a state file, one zip per change set, published atomically.

A package must be complete and consistent (a bulk package holds every object; every enrollment
points at a class and a user the package or the receiver has), while the engine sends only
changes. So, as pifu-xml does (:class:`edusync.connectors.pifu.published.PublishedTarget`), each
change is recorded in the published picture kept beside the packages (SQLite, streamed, one
transaction per publish), and the package is rendered from it when the change set is finished:
each CSV file written into a scratch folder, then zipped under a temporary name that is made
durable and renamed (and uploaded over SFTP first, when configured).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from abc import abstractmethod
from pathlib import Path
from typing import Any

import orjson

from edusync.connectors.base import Capability, ObjectTypeSpec
from edusync.connectors.oneroster.canon import GROUP, MEMBERSHIP, ORG, PERSON, Canon, Normaliser
from edusync.connectors.oneroster.settings import PackageTargetSettings
from edusync.connectors.pifu.published import PublishedTarget
from edusync.connectors.pifu.state import FAMILY, PendingRow, State
from edusync.errors import SkippableError
from edusync.model.records import Change, Op

SECTIONS = {"person": PERSON, "organisation": ORG, "group": GROUP, "membership": MEMBERSHIP}
_PERSON_ATTRS = ("username", "feide", "givenName", "familyName", "middleName", "identifier", "email", "phone",
                 "mobile", "userIds", "role", "school", "orgs", "grades", "agents", "enabled", "nin")  # fmt: skip
_GROUP_ATTRS = ("name", "groupType", "school", "code", "location", "course", "start", "grades", "subjects")
_MEMBER_ATTRS = ("person", "group", "role", "primary", "begin", "end")


class PackageTarget(PublishedTarget):
    """Base of ``oneroster-csv`` (as a target) and ``sds-csv``; subclasses render the files."""

    settings: PackageTargetSettings
    suffix = ".zip"
    full_word = "bulk"

    def __init__(self, name: str, settings: Any, base_dir: Path) -> None:
        super().__init__(name, settings, base_dir)
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

    def write(self, tmp: Path, state: State, full: bool) -> bool:
        """Render the files into a scratch folder and zip them into ``tmp``."""
        with tempfile.TemporaryDirectory(prefix=".render-", dir=tmp.parent) as scratch:
            written = self.render(Path(scratch), state, full)
            if not full and not written and self.skip_empty():
                return False
            _zip(Path(scratch), tmp)
        return True

    @abstractmethod
    def render(self, folder: Path, state: State, full: bool) -> int:
        """Write the package's CSV files into ``folder``; return how many records they hold (the manifest aside)."""


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
