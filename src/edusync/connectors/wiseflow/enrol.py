"""Participants in bulk: a batch's new and changed participants, a flow at a time.

WISEflow creates or updates a user one call at a time (``POST /license/user``), but takes the
rest of a participant in bulk: ``POST /flows/{id}/participants`` adds a list, ``PATCH
/flows/{id}/participants/dates`` sets many participants' dates, and a room booking's participants
and an assessor group's allocation are each set whole with one ``PUT``. So a batch costs one call
per distinct person (sent ``parallel`` at a time, and each person once per export however many
exams they sit) and a few calls per flow, where one participant at a time cost five or six each.

The outcome is per change: a participant WISEflow refuses fails alone with WISEflow's reason; a
call that fails for the whole flow (the flow is gone) fails that flow's participants; once
WISEflow is down, the flow it was on and every flow after it fail as retriable (flows already done
in the batch stay done), and the connector sends nothing more of the change set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import orjson

from edusync import faults
from edusync.connectors.http import MalformedAnswer
from edusync.connectors.wiseflow.allocation import ManualAllocation, guard
from edusync.connectors.wiseflow.client import Refused, WiseflowClient
from edusync.connectors.wiseflow.dates import to_unix
from edusync.connectors.wiseflow.lookup import FlowIds, Lookup
from edusync.connectors.wiseflow.people import PARTICIPANT_ROLE, People, kandidatnr, user_body
from edusync.errors import RetriableError, SkippableError
from edusync.model.records import Change


@dataclass
class Enrolling:
    """One participant change on its way: the flow it is on, and what WISEflow gave or refused."""

    change: Change
    flow: FlowIds
    user_id: int | None = None
    pid: int | None = None
    error: str | None = None
    retriable: bool = False

    @property
    def going(self) -> bool:
        return self.error is None


class Enrolment:
    """Sends participant upserts in bulk.

    ``manual`` is the connector's set of flows found on manual allocation (their allocations are left
    alone); ``on_manual`` is told of each flow when it is found so.
    """

    def __init__(
        self,
        client: WiseflowClient,
        lookup: Lookup,
        people: People,
        parallel: int,
        manual: set[int],
        on_manual: Callable[[FlowIds], None],
    ) -> None:
        self.client, self.lookup, self.people, self.parallel = client, lookup, people, parallel
        self.manual, self.on_manual = manual, on_manual
        self.users: dict[bytes, int] = {}  # a user body sent this export -> its userId

    def reset(self) -> None:
        """Forget the users sent: a new export sends each person once again (their data may have changed)."""
        self.users.clear()

    def send(self, items: list[Enrolling]) -> str | None:
        """Enrol ``items`` (each flow already listed by the lookup); each ends with a ``pid`` or an ``error``.

        Returns why WISEflow stopped answering, if it did: what it was doing then fails retriable with
        that reason, and what was not reached yet fails retriable as not sent.
        """
        try:
            self._users(items)
        except (RetriableError, MalformedAnswer) as exc:
            return _down(items, str(exc))
        by_flow: dict[int, list[Enrolling]] = {}
        for item in items:
            if item.going:
                by_flow.setdefault(item.flow.flow_id, []).append(item)
        flows = list(by_flow.values())
        for n, on_flow in enumerate(flows):
            try:
                self._flow(on_flow[0].flow, on_flow)
            except Refused as exc:  # the whole flow refused (gone, archived): its participants fail, the rest go on
                for item in on_flow:
                    item.error = item.error or f"participant {item.change.key}: {exc}"
            except (RetriableError, MalformedAnswer) as exc:
                return _down(on_flow, str(exc), [i for rest in flows[n + 1 :] for i in rest])
        return None

    def _flow(self, flow: FlowIds, items: list[Enrolling]) -> None:
        self._participants(flow, items)
        self._dates(flow, [i for i in items if i.going])
        self._seats(flow, [i for i in items if i.going])
        self._allocate(flow, [i for i in items if i.going])

    # -- users: no bulk form, so a bounded number at once --------------------------------------------

    def _users(self, items: list[Enrolling]) -> None:
        bodies: dict[bytes, tuple[str, dict[str, object]]] = {}
        keyed: list[tuple[Enrolling, bytes]] = []
        for item in items:
            try:
                body = user_body(item.change.key, item.change.attrs, PARTICIPANT_ROLE)
            except SkippableError as exc:
                item.error = str(exc)
                continue
            key = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
            keyed.append((item, key))
            if key not in self.users:
                bodies.setdefault(key, (item.change.key, body))
        refused: dict[bytes, str] = {}

        def post(key: bytes) -> None:
            who, body = bodies[key]
            try:
                self.users[key] = self.people.post_user(who, body)
            except Refused as exc:
                refused[key] = str(exc)

        with ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="wiseflow-user") as pool:
            # list() re-raises the first failure that is not a refusal (WISEflow down) once all have ended
            list(pool.map(post, bodies))
        for item, key in keyed:
            if key in refused:
                item.error = refused[key]
            else:
                item.user_id = self.users[key]

    # -- the flow's own calls, one per flow (or per booking and group) ------------------------------

    def _participants(self, flow: FlowIds, items: list[Enrolling]) -> None:
        new: dict[int, list[Enrolling]] = {}
        for item in items:
            assert item.user_id is not None
            pid = flow.participants.get(item.user_id)
            if pid is None:
                new.setdefault(item.user_id, []).append(item)
            else:
                self.client.call(
                    "PUT", f"flows/{flow.flow_id}/participants/{pid}/activated", "activate", {"activated": True}
                )
                item.pid = pid
        if new:
            body = [{"userId": uid, "uniqueExamId": kandidatnr(same[0].change.attrs)} for uid, same in new.items()]
            added = self.client.call("POST", f"flows/{flow.flow_id}/participants", "participants", body)
            faults.reach("wiseflow.participants_added")
            if not isinstance(added, list) or len(added) != len(body):
                raise Refused(422, None, f"flow {flow.flow_id}: WISEflow answered {len(body)} participants unevenly")
            for (uid, same), answer in zip(new.items(), added, strict=True):
                for item in same:
                    if answer.get("error"):
                        item.error = f"participant {item.change.key}: WISEflow said {answer['error']}"
                    else:
                        item.pid = flow.participants[uid] = int(answer["participant"]["id"])
        for item in items:
            if item.pid is not None and (number := kandidatnr(item.change.attrs)):
                flow.by_exam_id[number] = item.pid

    def _dates(self, flow: FlowIds, items: list[Enrolling]) -> None:
        """Each participant's end: their dispensation (FS innleveringsfrist), else the flow's own end."""
        ends: list[dict[str, object]] = []
        for item in items:
            end = to_unix(item.change.attrs.get("endDateParticipant"), what=f"{item.change.key} endDateParticipant")
            if end is None:
                if flow.participation_end is None:  # read once per flow and export: the exam's change came first
                    dates = self.client.call("GET", f"flows/{flow.flow_id}/dates", "flow dates")
                    flow.participation_end = (dates.get("participation") or {}).get("end") or 0
                end = flow.participation_end
            if end:
                ends.append({"id": item.pid, "participation": {"end": end}})
        if not ends:
            return
        try:
            done = self.client.call(
                "PATCH", f"flows/{flow.flow_id}/participants/dates", "individual dates", {"participants": ends}
            )
        except Refused as exc:
            if exc.status != 403:  # oral and attendance flows have no individual dates
                raise
            return
        refused = {e.get("id"): e.get("error") for e in (done or {}).get("errors") or []}
        for item in items:
            if item.pid in refused:
                item.error = f"participant {item.change.key}: dates: WISEflow said {refused[item.pid]}"

    def _seats(self, flow: FlowIds, items: list[Enrolling]) -> None:
        """Put each participant in the booking of FS's room (WISEflow moves them out of any other)."""
        wanted: dict[int, list[int]] = {}
        for item in items:
            room_id = item.change.attrs.get("roomId")
            if not room_id:
                continue
            room = self.lookup.rooms().get(str(room_id))
            booking = flow.bookings.get(int(room["id"])) if room else None
            if booking is None:
                item.error = f"room {room_id} is not booked on flow {flow.flow_id}; the exam lists its rooms"
            else:
                wanted.setdefault(booking, []).append(item.pid or 0)
        for booking, pids in wanted.items():
            path = f"flows/{flow.flow_id}/room-bookings/{booking}/participants"
            placed = [int(p) for p in self.client.call("GET", path, "seated participants") or []]
            missing = [p for p in pids if p not in placed]
            if missing:
                self.client.call("PUT", path, "seat participants", {"participantIds": [*placed, *missing]})

    def _allocate(self, flow: FlowIds, items: list[Enrolling]) -> None:
        """Put each participant in the group FS names (its first commission) and in no other."""
        if flow.flow_id in self.manual or not flow.groups or not items:
            return
        into = {item.pid: _first(item.change.attrs.get("assessmentGroupIds")) for item in items}
        try:
            for external_id, group in flow.groups.items():
                held = list(group.get("participantIds", []))
                kept = [p for p in held if p not in into or into[p] == external_id]
                kept += [p for p, target in into.items() if target == external_id and p not in held and p is not None]
                if kept != held:
                    self.client.call(
                        "PUT",
                        f"flows/{flow.flow_id}/assessor-groups/{group['id']}/allocations/participants",
                        "allocate participants",
                        {"participantIds": kept},
                    )
                    group["participantIds"] = kept
        except Refused as exc:
            try:
                guard(exc)
            except ManualAllocation:
                self.manual.add(flow.flow_id)
                self.on_manual(flow)


def _down(tried: list[Enrolling], reason: str, untried: Iterable[Enrolling] = ()) -> str:
    for item in tried:
        item.error, item.retriable = reason, True
    for item in untried:
        item.error, item.retriable = f"not sent: {reason}", True
    return f"not sent: {reason}"


def _first(group_ids: Iterable[object] | None) -> str | None:
    for g in group_ids or []:
        return str(g)
    return None
