"""The shape of an exam as edusync stages it from FS and provisions it to WISEflow (the seed's mapping table)."""

from __future__ import annotations

#: An exam's attributes, in the seed's order; FS gives them and WISEflow takes them.
EXAM_ATTRIBUTES = (
    "title",
    "subTitle",
    "term",
    "startDateParticipants",
    "endDateParticipants",
    "endDateMarking",
    "endDateComplaint",
    "gradeType",
    "testType",
    "rooms",
)
