"""The FINT connector: a county's pupils, staff, schools and groups, as VIGO-BAS's FINT Edu MA reads them.

A full import reads every class the agent uses (pages in parallel), builds the
graph once per import step and hands out each object type from it. A delta reads
the staff side and the small classes whole (they are small) and the pupil side
since the watermark, then follows links to the rest of each changed pupil's data.
FINT never signals deletions: the scheduled full import finds them, and relations
whose validity period has ended drop out of every import.

As a target it writes the Feide name back to ``elev.feidenavn`` and
``skoleressurs.feidenavn`` with FINT's asynchronous write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import orjson
from pydantic import BaseModel

from edusync.connectors.base import Capability, Connector, ImportStream, ObjectTypeSpec
from edusync.connectors.fint import assemble
from edusync.connectors.fint.client import FintClient
from edusync.connectors.fint.clock import today_in_oslo
from edusync.connectors.fint.loading import Loaded, load, stamps_now
from edusync.connectors.fint.settings import FintSettings
from edusync.connectors.fint.writeback import write_back
from edusync.model.records import Change, ChangeResult, SourceRecord

TYPES = [
    ObjectTypeSpec("eduOrg", "OrganisasjonOrganisasjonsIdUri"),
    ObjectTypeSpec("eduOrgUnit", "systemIdUri", references={"Skoleeier": "eduOrg"}),
    ObjectTypeSpec("eduGroup", "GruppeSystemIdUri", references={"GruppeSkoleRef": "eduOrgUnit"}),
    ObjectTypeSpec("eduOrgUnitGroup", "anchor", references={"SchoolRef": "eduOrgUnit"}),
    ObjectTypeSpec("eduPerson", "ElevPersonalSystemId", references={"EduPersonOrgUnitDN": "eduOrgUnit"}),
    ObjectTypeSpec("eduMembership", "anchor", references={"person": "eduPerson", "group": "eduGroup"}),
    ObjectTypeSpec("eduOrgUnitMembership", "anchor", references={"person": "eduPerson", "group": "eduOrgUnitGroup"}),
]
#: What write-back receives: the Feide name and the FINT objects that carry it.
WRITE_TYPES = [ObjectTypeSpec("feidenavn", "key", attributes=("feidenavn", "elev", "skoleressurs"), export_only=True)]


class FintConnector(Connector):
    type_name: ClassVar[str] = "fint"
    capabilities = frozenset({Capability.FULL_IMPORT, Capability.DELTA_IMPORT, Capability.EXPORT})
    settings_model: ClassVar[type[BaseModel]] = FintSettings
    default_batch_size: ClassVar[int] = 200

    def __init__(self, name: str, settings: BaseModel, base_dir: Path) -> None:
        super().__init__(name, settings, base_dir)
        assert isinstance(settings, FintSettings)
        self.s = settings
        self.client = FintClient(settings)
        self._loaded: Loaded | None = None
        self._loaded_since: str | None = None
        self._stamps: dict[str, int] | None = None

    def object_types(self) -> list[ObjectTypeSpec]:
        return TYPES + WRITE_TYPES

    def _load(self, since: str | None) -> Loaded:
        if self._loaded is None or self._loaded_since != since:
            self._loaded = load(self.client, self.s, self._today(), since, self.warn)
            self._loaded_since = since
        return self._loaded

    def _today(self) -> dt.date:
        """The day relations are judged on: the run's clock in Oslo (FINT's periods are UTC instants)."""
        if self.now is not None:
            return today_in_oslo(self.now)
        return self.today or today_in_oslo()

    def read_whole(self) -> Loaded:
        """The county as a full import reads it, on the connector's day: what ``edusync explain`` judges."""
        return self._load(None)

    def snapshot(self, object_type: str) -> str | None:
        """Every class's last-updated stamp and today's date: equal means an identical full import."""
        if self._stamps is None:  # asked once per type: one round of last-updated calls serves them all
            self._stamps = stamps_now(self.client, self.s, self.warn)
        return orjson.dumps({"today": self._today().isoformat(), "stamps": self._stamps}).decode()

    def import_objects(self, object_type: str, *, since: str | None = None) -> ImportStream:
        if object_type == "feidenavn":
            return ImportStream(iter(()), None)
        loaded = self._load(since)
        return ImportStream(self._records(loaded, object_type), loaded.watermark())

    def _records(self, loaded: Loaded, object_type: str) -> Iterator[SourceRecord]:
        g, today = loaded.graph, loaded.today
        if object_type == "eduOrg":
            org = assemble.org_record(g)
            rows: Any = [org] if org is not None else []
        elif object_type == "eduOrgUnit":
            top = assemble.county(g)
            owner = None if top is None else str(top["_path"])
            rows = ((s["_path"], assemble.school_record(g, s, owner)) for s in g.of_kind("skole"))
        elif object_type == "eduGroup":
            rows = assemble.group_records(g)
        elif object_type == "eduOrgUnitGroup":
            rows = assemble.unit_group_records(g)
        elif object_type == "eduPerson":
            rows = (assemble.person_record(g, p, self.s.feide_realm) for p in loaded.people.values())
        elif object_type == "eduMembership":
            rows = (m for a, p in loaded.anchors() for m in assemble.membership_records(g, p, a, today))
        elif object_type == "eduOrgUnitMembership":
            rows = (m for a, p in loaded.anchors() for m in assemble.unit_membership_records(g, p, a))
        else:
            rows = []
        seen: set[str] = set()
        for anchor, attrs in rows:
            if anchor in seen:  # a group linked twice from one teaching relation
                continue
            seen.add(anchor)
            yield SourceRecord(anchor, attrs)

    def export(self, changes: Sequence[Change]) -> list[ChangeResult]:
        return write_back(self.client, changes)

    def close(self) -> None:
        self.client.close()
