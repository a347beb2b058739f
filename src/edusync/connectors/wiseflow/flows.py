"""One flow per exam: create or update it, its dates, metadata, source tags and rooms.

Reads these target attributes (the FS client's assessment-info names): ``examId``, ``title``,
``subTitle``, ``term``, ``startDateParticipants``, ``endDateParticipants``, ``endDateMarking``,
``rooms`` (``[{id, building, room, equipment}]``). ``endDateComplaint``, ``gradeType`` and
``testType`` have no place in WISEflow's API 1.34.0 and are not sent (docs/exams.md). A flow is
tagged with two external sources: the edusync key (how later runs find it) and the FS exam id (how
the grade export finds it), each encoded as WISEflow's reference pattern allows (:mod:`.references`).
Flows use GROUPED allocation, because FS allocates candidates to commissions, which are WISEflow's
assessor groups.

Creating a flow and tagging it are two calls. If WISEflow goes away between them (or the create's
answer is lost), the flow exists untagged; the next run adopts it (one untagged flow with the
exam's exact title and subtitle) instead of making a second one.
"""

from __future__ import annotations

from typing import Any

from edusync import faults
from edusync.connectors.wiseflow.client import Refused, WiseflowClient
from edusync.connectors.wiseflow.dates import to_unix
from edusync.connectors.wiseflow.lookup import FEIDE, Lookup
from edusync.connectors.wiseflow.references import encode
from edusync.connectors.wiseflow.settings import WiseflowSettings
from edusync.errors import SkippableError

Json = dict[str, Any]


class FlowWriter:
    def __init__(self, client: WiseflowClient, lookup: Lookup, settings: WiseflowSettings) -> None:
        self.client, self.lookup, self.settings = client, lookup, settings

    def manager_id(self) -> int:
        s = self.settings
        found = self.lookup.user_id(FEIDE, s.manager)
        if found is not None:
            return found
        body = {
            "firstName": s.manager_first_name,
            "lastName": s.manager_last_name,
            "externalIds": [{"userDataTypeId": FEIDE, "value": s.manager}],
            "roles": [3],
            "emails": [],
        }
        user_id = int(self.client.call("POST", "license/user", "the manager user", body, idempotent=True)["userId"])
        self.lookup.remember_user(FEIDE, s.manager, user_id)
        return user_id

    def upsert(self, key: str, attrs: Json) -> int:
        """Create the flow for exam ``key`` or bring it up to date; return its flowId."""
        title = attrs.get("title") or attrs.get("examId")
        if not title:
            raise SkippableError(f"exam {key}: no title (emnetittel) to name the flow")
        flow_id = self.lookup.flow_id(key)
        if flow_id is None:
            flow_id = self._untagged(str(title), attrs.get("subTitle"))
            if flow_id is None:
                body = {"title": title, "subTitle": attrs.get("subTitle"), "type": self.settings.flow_type}
                # (the client leaves out a subTitle of None: the spec types it as a string)
                created = self.client.call(
                    "POST", "license/create/flow", f"create flow for {key}", {**body, "managers": [self.manager_id()]}
                )
                flow_id = int(created["flowId"])
                self.lookup.fresh(flow_id)
                faults.reach("wiseflow.flow_created")
            self.lookup.remember_flow(key, flow_id)
            self._tag(flow_id, encode(key), "edusync exam key")
            self.lookup.tagged(flow_id, [key, str(attrs.get("examId") or "")])
            if attrs.get("examId"):
                self._tag(
                    flow_id,
                    encode(str(attrs["examId"])),
                    "FS exam id (institusjonsnr|emnekode|versjonskode|vurderingsordning|tid), encoded",
                )
            self.client.call(
                "PUT",
                f"flows/{flow_id}/marking/assessor-allocation-type",
                "allocation type",
                {"allocationType": "GROUPED"},
            )
        self._metadata(flow_id, title, attrs)
        self._dates(flow_id, key, attrs)
        self._rooms(flow_id, key, attrs)
        return flow_id

    def _untagged(self, title: str, subtitle: str | None) -> int | None:
        """The flow an interrupted create left behind: untagged, with this exact title and subtitle."""
        found = self.client.call(
            "POST",
            "flows/search",
            f"flow search for {title!r}",
            {"metadata": {"title": title, "subtitle": subtitle}},
            idempotent=True,
            offset=0,
            limit=100,
        )
        orphans = [
            int(f["flowId"])
            for f in found or []
            if f.get("title") == title and f.get("subtitle") == subtitle and not f.get("externalSourceReferences")
        ]
        return orphans[0] if len(orphans) == 1 else None

    def _tag(self, flow_id: int, reference: str, description: str) -> None:
        try:
            self.client.call(
                "POST",
                f"flows/{flow_id}/external-sources",
                "external source",
                {"reference": reference, "description": description},
                idempotent=True,  # a second one is refused with 409, which is taken as done
            )
        except Refused as exc:
            if exc.status != 409:  # already tagged by an earlier, interrupted attempt
                raise

    def _metadata(self, flow_id: int, title: str, attrs: Json) -> None:
        body = {
            "title": title,
            "subtitle": attrs.get("subTitle"),
            "code": attrs.get("examId"),
            "term": attrs.get("term"),
            "examinationType": "ORDINARY",
            "purpose": "EXAMINATION",
        }  # gradeType and testType have no field in the API (see docs/exams.md)
        self.client.call("PUT", f"flows/{flow_id}/metadata", "flow metadata", body)

    def _dates(self, flow_id: int, key: str, attrs: Json) -> None:
        start = to_unix(attrs.get("startDateParticipants"), what=f"exam {key} startDateParticipants")
        end = to_unix(attrs.get("endDateParticipants"), what=f"exam {key} endDateParticipants")
        marking_end = to_unix(attrs.get("endDateMarking"), what=f"exam {key} endDateMarking")
        body: Json = {}
        participation = {k: v for k, v in (("start", start), ("end", end)) if v is not None}
        if participation:
            body["participation"] = participation
        if marking_end is not None:
            body["marking"] = {"start": end or start or marking_end, "end": marking_end}
        if body:
            self.client.call("PATCH", f"flows/{flow_id}/dates", "flow dates", body)

    def _rooms(self, flow_id: int, key: str, attrs: Json) -> None:
        """Licence rooms for FS's rooms (found by identifier), each booked on the flow."""
        wanted = attrs.get("rooms") or []
        if not wanted and not self.lookup.on_flow(flow_id).bookings:
            return
        start = to_unix(attrs.get("startDateParticipants"), what=f"exam {key} startDateParticipants")
        end = to_unix(attrs.get("endDateParticipants"), what=f"exam {key} endDateParticipants")
        ids = self.lookup.on_flow(flow_id)
        keep: set[int] = set()
        for room in wanted:
            licence_room = self._room(room)
            keep.add(int(licence_room["id"]))
            if int(licence_room["id"]) in ids.bookings:
                continue
            if start is None:
                raise SkippableError(f"exam {key}: rooms but no start date, so the rooms cannot be booked")
            to = end if end and end > start else start + int(self.settings.booking_hours * 3600)
            booking = self.client.call(
                "POST",
                f"flows/{flow_id}/room-bookings",
                "room booking",
                {"roomId": licence_room["id"], "from": start, "to": to},
            )
            ids.bookings[int(licence_room["id"])] = int(booking["roomBookingId"])
        for room_id in [r for r in ids.bookings if r not in keep]:
            self.client.call("DELETE", f"flows/{flow_id}/room-bookings/{ids.bookings.pop(room_id)}", "room unbooking")

    def _room(self, room: Json) -> Json:
        rooms = self.lookup.rooms()
        identifier = str(room["id"])
        body = {
            "name": " ".join(str(p) for p in (room.get("building"), room.get("room")) if p) or identifier,
            "capacity": self.settings.room_capacity,
            "canBeBooked": True,
            "identifier": identifier,
            "building": room.get("building"),
            "description": room.get("equipment"),
        }
        existing = rooms.get(identifier)
        if existing is None:
            rooms[identifier] = self.client.call("POST", "license/rooms", f"licence room {identifier}", body)
        elif any(existing.get(k) != body[k] for k in ("name", "building", "description")):
            rooms[identifier] = self.client.call(
                "PUT", f"license/rooms/{existing['id']}", f"licence room {identifier}", body
            )
        return rooms[identifier]
