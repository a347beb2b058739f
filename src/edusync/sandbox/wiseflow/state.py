"""The WISEflow sandbox's in-memory licence: users, rooms, flows and everything on a flow.

IDs are integers the server hands out, as WISEflow does; a client must read them from the
responses and never make them up. The licence's fixed vocabularies (flow types, user data types,
assessor types, roles) are constants here and served by the ``/license/...`` routes.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

# Flow types as GET /license/flow-types lists them (create-flow's `type` takes one of these ids),
# with the bit code basic-flow.type uses and the name /flows/search returns.
FLOW_TYPES: dict[int, tuple[str, int, str]] = {
    1: ("FLOWassign", 2, "Assignment hand-in"),
    2: ("FLOWlock", 4, "Exam in the lockdown browser"),
    3: ("FLOWmulti", 8, "Multiple-choice exam"),
    4: ("FLOWhandin", 16, "Hand-in of files"),
    5: ("FLOWoral", 32, "Oral exam"),
    6: ("FLOWattend", 64, "Attendance registration"),
}
STATES = (
    "NOT_ACTIVATED",
    "ACTIVATED",
    "PARTICIPATION_STARTED",
    "PARTICIPATION_ENDED",
    "CONCLUDED",
    "ARCHIVED",
)
VARIANTS = ("ORDINARY", "REEXAMINATION", "REMARKING")
PURPOSES = ("EXAMINATION", "COURSE_WORK", "BACHELOR", "MASTER")
ARCHIVED = 5

# The licence's user data types ("externalIds"). The national id type is protected and not
# visible, so listings never show it back (the sandbox holds only synthetic numbers anyway).
FEIDE, NATIONAL_ID, EXTERNAL_USER_ID, CANDIDATE_NUMBER = 1, 2, 3, 4
USER_DATA_TYPES: dict[int, dict[str, object]] = {
    FEIDE: {
        "name": "Feide ID",
        "type": "STRING",
        "pattern": r"^[^@\s]+@[^@\s]+$",
        "protected": False,
        "visible": True,
    },
    NATIONAL_ID: {
        "name": "National ID",
        "type": "STRING",
        "pattern": r"^\d{11}$",
        "protected": True,
        "visible": False,
    },
    EXTERNAL_USER_ID: {
        "name": "External user ID",
        "type": "STRING",
        "pattern": ".+",
        "protected": False,
        "visible": True,
    },
    CANDIDATE_NUMBER: {
        "name": "Student Number",
        "type": "STRING",
        "pattern": ".+",
        "protected": False,
        "visible": True,
    },
}
ASSESSOR_TYPES: dict[int, str] = {11: "Intern sensor", 12: "Ekstern sensor"}
LEGACY_ASSESSOR_TYPE = {11: 0, 12: 1}  # the deprecated list's INTERNAL=0, EXTERNAL=1; anything else NOT_SIS=2
ROLES: dict[int, str] = {1: "Participant", 2: "Assessor", 3: "Manager", 4: "Invigilator"}
MAX_ROOMS = 300


def now() -> int:
    """WISEflow dates are unix seconds."""
    return int(time.time())


@dataclass(slots=True)
class User:
    id: int
    first_name: str
    last_name: str
    phone: str
    language: str | None
    emails: list[str]
    roles: list[int]
    external_ids: dict[int, str]  # userDataTypeId -> value

    def brief(self) -> dict[str, object]:
        return {"id": self.id, "firstName": self.first_name, "lastName": self.last_name}

    def visible_ids(self) -> list[dict[str, str]]:
        return [
            {"name": str(USER_DATA_TYPES[t]["name"]), "value": v}
            for t, v in sorted(self.external_ids.items())
            if USER_DATA_TYPES[t]["visible"]
        ]


@dataclass(slots=True)
class Participant:
    id: int
    user_id: int
    number: int
    unique_exam_id: str | None
    activated: bool = True
    start: int | None = None  # individual participation dates; None follows the flow
    end: int | None = None
    marking_end: int | None = None


@dataclass(slots=True)
class Assessor:
    id: int
    user_id: int
    type_id: int | None
    participant_ids: list[int] = field(default_factory=list)  # single-assessor allocations


@dataclass(slots=True)
class AssessorGroup:
    id: int
    title: str
    assessor_ids: list[int]
    participant_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Mark:
    """What assessors entered for one participant (set through the sandbox admin route)."""

    id: int
    participant_id: int
    grade: str | None
    admin_grade: str | None
    assessor_ids: list[int]
    date: int
    admin_grade_date: int | None


@dataclass(slots=True)
class ExternalSource:
    id: int
    reference: str
    description: str | None
    created_at: str


@dataclass(slots=True)
class RoomBooking:
    id: int
    room_id: int
    start: int
    end: int
    participant_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Room:
    id: int
    name: str
    capacity: int
    can_be_booked: bool
    description: str | None = None
    identifier: str | None = None
    building: str | None = None
    address: str | None = None
    campus: str | None = None


@dataclass(slots=True)
class Flow:
    id: int
    title: str
    subtitle: str | None
    type_id: int
    managers: list[int]
    created: int
    state: int = 0
    variant: int = 0
    purpose: int = 0
    code: str | None = None
    term: str | None = None
    participation: list[int | None] = field(default_factory=lambda: [None, None])  # start, end
    marking: list[int | None] = field(default_factory=lambda: [None, None])
    allocation_type: str = "SINGLE_ASSESSOR"
    manual_allocation: bool = False  # a manager took allocation over in the UI ("Tildelt fra SIS" off)
    participants: dict[int, Participant] = field(default_factory=dict)
    assessors: dict[int, Assessor] = field(default_factory=dict)
    assessor_groups: dict[int, AssessorGroup] = field(default_factory=dict)
    marks: dict[int, Mark] = field(default_factory=dict)  # by participant id
    external_sources: dict[int, ExternalSource] = field(default_factory=dict)
    room_bookings: dict[int, RoomBooking] = field(default_factory=dict)


class Store:
    """The licence. Route handlers are ``async`` and run one at a time, so no locks are needed."""

    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self.flows: dict[int, Flow] = {}
        self.rooms: dict[int, Room] = {}
        # distinct starting points make a mixed-up id (a userId used as a participantId) fail loudly
        self._ids = {
            "flow": itertools.count(225),
            "user": itertools.count(1001),
            "participant": itertools.count(50_001),
            "assessor": itertools.count(701),
            "group": itertools.count(9001),
            "room": itertools.count(301),
            "other": itertools.count(1),
        }

    def next_id(self, kind: str) -> int:
        return next(self._ids[kind])

    def user_by_data(self, type_id: int, value: str) -> User | None:
        return next((u for u in self.users.values() if u.external_ids.get(type_id) == value), None)

    def users_by_email(self, email: str) -> list[User]:
        wanted = email.strip().lower()
        return [u for u in self.users.values() if wanted in (e.lower() for e in u.emails)]
