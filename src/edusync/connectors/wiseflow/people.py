"""Participants, assessors and assessment groups on a flow.

Users are created or updated through ``POST /license/user`` with their Feide name
(``organisationId``), national id (``nationalId``; WISEflow keeps it protected and never shows it
back) and FS personløpenummer (``externalUserId``) as user data, so WISEflow matches the same
person across flows. Participants get ``uniqueExamId`` = kandidatnr; a dispensation
(``endDateParticipant``) becomes the participant's individual end date; ``roomId`` places the
participant in the booking of that room. Assessors get their type from ``assessorType``
(INTERN/EKSTERN) and join the groups named by ``assessmentGroupIds`` (FS kommisjon ids; which
WISEflow group is which kommisjon is edusync's own record, :mod:`.groupmap`).
"""

from __future__ import annotations

from typing import Any

from edusync import faults
from edusync.connectors.wiseflow.client import Refused, WiseflowClient
from edusync.connectors.wiseflow.dates import to_unix
from edusync.connectors.wiseflow.lookup import EXTERNAL_USER_ID, FEIDE, NATIONAL_ID, FlowIds, Lookup
from edusync.errors import SkippableError

Json = dict[str, Any]
ASSESSOR_TYPES = {"INTERN": 11, "EKSTERN": 12}
PARTICIPANT_ROLE, ASSESSOR_ROLE = 1, 2


class People:
    def __init__(self, client: WiseflowClient, lookup: Lookup) -> None:
        self.client, self.lookup, self.group_map = client, lookup, lookup.group_map

    def user(self, key: str, attrs: Json, role: int) -> int:
        """Create or update the licence user for this person; return the userId."""
        ids = [
            (FEIDE, attrs.get("organisationId")),
            (NATIONAL_ID, attrs.get("nationalId")),
            (EXTERNAL_USER_ID, attrs.get("externalUserId")),
        ]
        external = [{"userDataTypeId": t, "value": str(v)} for t, v in ids if v]
        if not external and not attrs.get("emails"):
            raise SkippableError(f"{key}: no Feide name, national id, FS id or email to identify the user")
        body = {
            "firstName": attrs.get("firstName") or "-",
            "lastName": attrs.get("lastName") or "-",
            "phone": (attrs.get("phones") or [None])[0],
            "externalIds": external,
            "language": attrs.get("language"),
            "roles": [role],
            "emails": list(attrs.get("emails") or []),
        }
        user_id = int(self.client.call("POST", "license/user", f"user for {key}", body, idempotent=True)["userId"])
        for type_id, value in ids:
            if value and type_id != NATIONAL_ID:
                self.lookup.remember_user(type_id, str(value), user_id)
        return user_id

    # -- participants -------------------------------------------------------------------------

    def participant(self, flow: FlowIds, key: str, attrs: Json) -> int:
        user_id = self.user(key, attrs, PARTICIPANT_ROLE)
        kandidatnr = _kandidatnr(attrs)
        pid = flow.participants.get(user_id)
        if pid is None:
            added = self.client.call(
                "POST",
                f"flows/{flow.flow_id}/participants",
                f"participant {key}",
                [{"userId": user_id, "uniqueExamId": kandidatnr}],
            )
            item = added[0]
            if item.get("error"):
                raise SkippableError(f"participant {key}: WISEflow said {item['error']}")
            pid = int(item["participant"]["id"])
            flow.participants[user_id] = pid
        else:
            self.client.call(
                "PUT", f"flows/{flow.flow_id}/participants/{pid}/activated", "activate", {"activated": True}
            )
        if kandidatnr:
            flow.by_exam_id[kandidatnr] = pid
        self._dispensation(flow, pid, key, attrs)
        self._seat(flow, pid, attrs.get("roomId"))
        return pid

    def _dispensation(self, flow: FlowIds, pid: int, key: str, attrs: Json) -> None:
        """An individual end date (FS innleveringsfrist); none resets to the flow's own end."""
        end = to_unix(attrs.get("endDateParticipant"), what=f"participant {key} endDateParticipant")
        if end is None:
            if flow.participation_end is None:  # read once per flow and export: the exam's change came first
                dates = self.client.call("GET", f"flows/{flow.flow_id}/dates", "flow dates")
                flow.participation_end = (dates.get("participation") or {}).get("end") or 0
            end = flow.participation_end
            if not end:
                return
        try:
            self.client.call(
                "PATCH",
                f"flows/{flow.flow_id}/participants/{pid}/dates",
                "individual dates",
                {"participation": {"end": end}},
            )
        except Refused as exc:
            if exc.status != 403:  # oral and attendance flows have no individual dates
                raise

    def _seat(self, flow: FlowIds, pid: int, room_id: str | None) -> None:
        """Put the participant in the booking of FS's room (WISEflow moves them out of any other)."""
        if not room_id:
            return
        room = self.lookup.rooms().get(str(room_id))
        booking = flow.bookings.get(int(room["id"])) if room else None
        if booking is None:
            raise SkippableError(f"room {room_id} is not booked on flow {flow.flow_id}; the exam lists its rooms")
        path = f"flows/{flow.flow_id}/room-bookings/{booking}/participants"
        placed = [int(p) for p in self.client.call("GET", path, "seated participants") or []]
        if pid not in placed:
            self.client.call("PUT", path, "seat a participant", {"participantIds": [*placed, pid]})

    def remove_participant(self, flow: FlowIds, key: str, attrs: Json, *, soft: bool) -> None:
        pid = flow.by_exam_id.get(_kandidatnr(attrs) or "")
        if pid is None:
            return
        if not soft:
            try:
                self.client.call("DELETE", f"flows/{flow.flow_id}/participants/{pid}", f"remove participant {key}")
                flow.by_exam_id.pop(_kandidatnr(attrs) or "", None)
                flow.participants = {u: p for u, p in flow.participants.items() if p != pid}
                return
            except Refused as exc:
                if exc.status != 403:  # an activated flow keeps its participants: deactivate instead
                    raise
        self.client.call(
            "PUT", f"flows/{flow.flow_id}/participants/{pid}/activated", "deactivate", {"activated": False}
        )

    # -- assessors and groups -----------------------------------------------------------------

    def assessor(self, flow: FlowIds, key: str, attrs: Json) -> int:
        user_id = self.user(key, attrs, ASSESSOR_ROLE)
        type_id = ASSESSOR_TYPES.get(str(attrs.get("assessorType") or "").upper())
        aid = flow.assessors.get(user_id)
        if aid is None:
            made = self.client.call(
                "POST",
                f"flows/{flow.flow_id}/assessors",
                f"assessor {key}",
                {"userId": user_id, "assessorTypeId": type_id},
            )
            aid = int(made["assessorId"])
            flow.assessors[user_id] = aid
        else:
            self.client.call(
                "PATCH", f"flows/{flow.flow_id}/assessors/{aid}", f"assessor {key}", {"assessorTypeId": type_id}
            )
        wanted = {str(g) for g in attrs.get("assessmentGroupIds") or []}
        for external_id, group in flow.groups.items():
            members = list(group["assessorIds"])
            inside = aid in members
            if (external_id in wanted) != inside:
                members = [*members, aid] if not inside else [a for a in members if a != aid]
                self._put_group(flow, group, members)
        return aid

    def remove_assessor(self, flow: FlowIds, key: str, attrs: Json) -> None:
        plnr = attrs.get("externalUserId")
        user_id = self.lookup.user_id(EXTERNAL_USER_ID, str(plnr)) if plnr else None
        aid = flow.assessors.get(user_id) if user_id is not None else None
        if aid is None:
            return
        for group in flow.groups.values():
            if aid in group["assessorIds"]:
                self._put_group(flow, group, [a for a in group["assessorIds"] if a != aid])
        self.client.call("DELETE", f"flows/{flow.flow_id}/assessors/{aid}", f"remove assessor {key}")
        flow.assessors.pop(user_id, None)  # type: ignore[arg-type]

    def group(self, flow: FlowIds, key: str, attrs: Json) -> None:
        external_id = str(attrs.get("externalId") or "")
        if not external_id:
            raise SkippableError(f"assessment group {key}: no externalId (FS kommisjon id)")
        wanted = []
        for plnr in attrs.get("assessors") or []:
            user_id = self.lookup.user_id(EXTERNAL_USER_ID, str(plnr))
            if user_id is not None and user_id in flow.assessors:
                wanted.append(flow.assessors[user_id])
        title = attrs.get("name") or f"Kommisjon {external_id}"
        group = flow.groups.get(external_id) or self._adopt(flow, external_id, title)
        if group is None:
            body = {"title": title, "assessorIds": wanted}
            made = self.client.call("POST", f"flows/{flow.flow_id}/assessor-groups", f"assessment group {key}", body)
            faults.reach("wiseflow.group_created")
            self.group_map.record(flow.flow_id, external_id, int(made["id"]))
            flow.groups[external_id] = {**made, "participantIds": []}
        elif group["title"] != title or sorted(group["assessorIds"]) != sorted(wanted):
            group["title"] = title
            self._put_group(flow, group, wanted)

    def _adopt(self, flow: FlowIds, external_id: str, title: str) -> Json | None:
        """The group an interrupted create left on the flow: unmapped, the one with this title."""
        same = [g for g in flow.unmapped if g.get("title") == title]
        if len(same) != 1:
            return None
        flow.unmapped.remove(same[0])
        self.group_map.record(flow.flow_id, external_id, int(same[0]["id"]))
        flow.groups[external_id] = same[0]
        return same[0]

    def remove_group(self, flow: FlowIds, key: str, attrs: Json) -> None:
        kommisjon = str(attrs.get("externalId") or "")
        group = flow.groups.pop(kommisjon, None)
        if group is not None:
            self.client.call(
                "DELETE", f"flows/{flow.flow_id}/assessor-groups/{group['id']}", f"remove assessment group {key}"
            )
            self.group_map.forget(flow.flow_id, kommisjon)

    def _put_group(self, flow: FlowIds, group: Json, assessor_ids: list[int]) -> None:
        body = {"title": group["title"], "assessorIds": assessor_ids}
        self.client.call("PUT", f"flows/{flow.flow_id}/assessor-groups/{group['id']}", "assessment group", body)
        group["assessorIds"] = assessor_ids


def _kandidatnr(attrs: Json) -> str | None:
    unique = attrs.get("uniqueExamId")
    if isinstance(unique, dict):
        unique = unique.get("value")
    value = unique or attrs.get("kandidatnr")
    return None if value in (None, "") else str(value)
