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
        return self.post_user(key, user_body(key, attrs, role))

    def post_user(self, key: str, body: Json) -> int:
        """Send one user (:func:`user_body`) and remember its ids; safe to call from several threads at once."""
        user_id = int(self.client.call("POST", "license/user", f"user for {key}", body, idempotent=True)["userId"])
        for item in body["externalIds"]:
            if item["userDataTypeId"] != NATIONAL_ID:
                self.lookup.remember_user(item["userDataTypeId"], item["value"], user_id)
        return user_id

    # -- participants -------------------------------------------------------------------------

    def remove_participant(self, flow: FlowIds, key: str, attrs: Json, *, soft: bool) -> None:
        pid = flow.by_exam_id.get(kandidatnr(attrs) or "")
        if pid is None:
            return
        if not soft:
            try:
                self.client.call("DELETE", f"flows/{flow.flow_id}/participants/{pid}", f"remove participant {key}")
                flow.by_exam_id.pop(kandidatnr(attrs) or "", None)
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


def user_body(key: str, attrs: Json, role: int) -> Json:
    """The ``POST /license/user`` body for a person: names, contact, role and the ids WISEflow matches them by."""
    ids = [
        (FEIDE, attrs.get("organisationId")),
        (NATIONAL_ID, attrs.get("nationalId")),
        (EXTERNAL_USER_ID, attrs.get("externalUserId")),
    ]
    external = [{"userDataTypeId": t, "value": str(v)} for t, v in ids if v]
    if not external and not attrs.get("emails"):
        raise SkippableError(f"{key}: no Feide name, national id, FS id or email to identify the user")
    return {
        "firstName": attrs.get("firstName") or "-",
        "lastName": attrs.get("lastName") or "-",
        "phone": (attrs.get("phones") or [None])[0],
        "externalIds": external,
        "language": attrs.get("language"),
        "roles": [role],
        "emails": list(attrs.get("emails") or []),
    }


def kandidatnr(attrs: Json) -> str | None:
    unique = attrs.get("uniqueExamId")
    if isinstance(unique, dict):
        unique = unique.get("value")
    value = unique or attrs.get("kandidatnr")
    return None if value in (None, "") else str(value)
