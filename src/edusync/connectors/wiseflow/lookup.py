"""Find what edusync made in WISEflow again: flows by key, users by external id, ids on a flow.

WISEflow hands out its own integer ids; edusync keeps none of them. A flow carries the exam's
edusync key as an *external source* reference, so ``/flows/search`` finds it on every run; users
are found by their user data values; participants, assessors, groups and bookings by listing the
flow. Answers are cached for one export (one change set), which is the span in which nobody else
is expected to restructure a flow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edusync.connectors.wiseflow.client import Refused, WiseflowClient
from edusync.connectors.wiseflow.groupmap import GroupMap
from edusync.connectors.wiseflow.references import decode, encode, legacy

Json = dict[str, Any]
FEIDE, NATIONAL_ID, EXTERNAL_USER_ID = 1, 2, 3
MANUAL = "MANUAL_ALLOCATION"


@dataclass
class FlowIds:
    """The ids on one flow, by the source values that identify them."""

    flow_id: int
    participants: dict[int, int] = field(default_factory=dict)  # userId -> participantId
    by_exam_id: dict[str, int] = field(default_factory=dict)  # uniqueExamId (kandidatnr) -> participantId
    assessors: dict[int, int] = field(default_factory=dict)  # userId -> assessorId
    groups: dict[str, Json] = field(default_factory=dict)  # FS kommisjon id -> group (edusync's group map)
    unmapped: list[Json] = field(default_factory=list)  # groups on the flow the map does not name
    bookings: dict[int, int] = field(default_factory=dict)  # licence roomId -> bookingId
    participation_end: int | None = None  # the flow's own end (0: none), once read


class Lookup:
    def __init__(self, client: WiseflowClient, group_map: GroupMap) -> None:
        self.client, self.group_map = client, group_map
        self.reset()

    def reset(self) -> None:
        self._flows: dict[str, int | None] = {}
        self._references: dict[int, list[str]] = {}
        self._ids: dict[int, FlowIds] = {}
        self._users: dict[tuple[int, str], int | None] = {}
        self._rooms: dict[str, Json] | None = None
        self.group_map.reset()

    def flow_id(self, key: str) -> int | None:
        """The flow tagged with ``key`` (an edusync key or an FS exam id, see :mod:`.references`), if there is one."""
        if key not in self._flows:
            found = None
            for reference in dict.fromkeys(r for r in (encode(key), legacy(key)) if r):
                found = self.client.call(
                    "POST",
                    "flows/search",
                    f"flow search for {key}",
                    {"metadata": {"externalSourceReference": reference}},
                    idempotent=True,
                    offset=0,
                    limit=10,
                )
                if found:
                    break
            self._flows[key] = int(found[0]["flowId"]) if found else None
            if found:
                references = found[0].get("externalSourceReferences") or []
                self._references[int(found[0]["flowId"])] = [decode(str(r)) for r in references]
        return self._flows[key]

    def tagged(self, flow_id: int, references: list[str]) -> None:
        self._references[flow_id] = references

    def exam_id(self, flow_id: int, fallback: str) -> str:
        """The FS exam id a flow is tagged with (what a person knows the exam by), else ``fallback``."""
        return next((r for r in self._references.get(flow_id, []) if r.count("|") == 4), fallback)

    def remember_flow(self, reference: str, flow_id: int) -> None:
        self._flows[reference] = flow_id

    def user_id(self, type_id: int, value: str) -> int | None:
        key = (type_id, value)
        if key not in self._users:
            try:
                user = self.client.call("GET", f"user/userDataType/{type_id}/{value}", "a user lookup")
            except Refused as exc:
                if exc.status != 404:
                    raise
                user = None
            self._users[key] = int(user["id"]) if user else None
        return self._users[key]

    def remember_user(self, type_id: int, value: str, user_id: int) -> None:
        self._users[(type_id, value)] = user_id

    def fresh(self, flow_id: int) -> None:
        """A flow this export just created: nothing on it yet, so nothing to list."""
        self._ids[flow_id] = FlowIds(flow_id)

    def on_flow(self, flow_id: int) -> FlowIds:
        """Participants, assessors, groups and bookings of ``flow_id`` (listed once per export)."""
        if flow_id in self._ids:
            return self._ids[flow_id]
        ids = FlowIds(flow_id)
        for p in self.client.pages(f"flows/{flow_id}/participants", f"participants of flow {flow_id}", 100):
            ids.participants[int(p["userId"])] = int(p["participantId"])
            if p.get("uniqueExamId"):
                ids.by_exam_id[str(p["uniqueExamId"])] = int(p["participantId"])
        for a in self.client.pages(f"flows/{flow_id}/assessors", f"assessors of flow {flow_id}", 50):
            ids.assessors[int(a["user"]["userId"])] = int(a["assessorId"])
        try:
            groups = self.client.call("GET", f"flows/{flow_id}/assessor-groups", f"assessor groups of flow {flow_id}")
        except Refused as exc:  # not (yet) GROUPED: no groups
            if exc.status != 403:
                raise
            groups = []
        listed = {int(g["id"]): g for g in groups or []}
        for kommisjon, group_id in self.group_map.groups(flow_id).items():
            if group_id in listed:
                ids.groups[kommisjon] = listed.pop(group_id)
            else:  # deleted in WISEflow: the next sync makes it again
                self.group_map.forget(flow_id, kommisjon)
        ids.unmapped = list(listed.values())
        for b in self.client.pages(f"flows/{flow_id}/room-bookings", f"room bookings of flow {flow_id}", 50):
            ids.bookings[int(b["roomId"])] = int(b["roomBookingId"])
        self._ids[flow_id] = ids
        return ids

    def rooms(self) -> dict[str, Json]:
        """Licence rooms by ``identifier`` (where edusync keeps FS's room id)."""
        if self._rooms is None:
            items = self.client.pages("license/rooms", "licence rooms", 100)
            self._rooms = {str(r["identifier"]): r for r in items if r.get("identifier")}
        return self._rooms
