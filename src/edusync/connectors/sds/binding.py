"""Microsoft School Data Sync v2.1 CSV, as data: each file's columns, which are required, what each value is.

Written from the facts of Microsoft's *SDS V2.1 CSV File Format* and *Default List of Values*
pages (file and column names, which columns are required, the data types and the supported
values) and the order of the columns in Microsoft's own sample set (OfficeDev/O365-EDU-Tools,
``CSV Samples/SDS v2.1``). Headers are case-sensitive; files are UTF-8 with no line breaks in a value.

Kinds: ``id`` (unique id), ``ref:F`` / ``refs:F`` (ids of file F), ``text``, ``date``
(``YYYY-MM-DD``), ``year``, ``bool`` (``TRUE``/``FALSE``), ``enum:V``.
"""

from __future__ import annotations

from edusync.connectors.oneroster.binding import Column

_R = True


def _c(name: str, kind: str, required: bool = False) -> Column:
    return Column(name, kind, required)


FILES: dict[str, tuple[Column, ...]] = {
    "orgs": (_c("sourcedId", "id", _R), _c("name", "text", _R), _c("type", "enum:orgType", _R),
             _c("parentSourcedId", "ref:orgs")),
    "users": (_c("sourcedId", "id", _R), _c("username", "text", _R), _c("givenName", "text", _R),
              _c("familyName", "text", _R), _c("password", "text"), _c("activeDirectoryMatchId", "text"),
              _c("email", "text"), _c("phone", "text"), _c("sms", "text")),
    "roles": (_c("userSourcedId", "ref:users", _R), _c("orgSourcedId", "ref:orgs", _R), _c("role", "enum:role", _R),
              _c("sessionSourcedId", "ref:academicSessions"), _c("grade", "text"), _c("isPrimary", "bool"),
              _c("roleStartDate", "date"), _c("roleEndDate", "date")),
    "classes": (_c("sourcedId", "id", _R), _c("orgSourcedId", "ref:orgs", _R), _c("title", "text", _R),
                _c("sessionSourcedIds", "refs:academicSessions"), _c("courseSourcedId", "ref:courses")),
    "enrollments": (_c("classSourcedId", "ref:classes", _R), _c("userSourcedId", "ref:users", _R),
                    _c("role", "enum:enrollmentRole", _R)),
    "academicSessions": (_c("sourcedId", "id", _R), _c("title", "text", _R), _c("type", "enum:sessionType", _R),
                         _c("schoolYear", "year", _R), _c("startDate", "date", _R), _c("endDate", "date", _R)),
    "courses": (_c("sourcedId", "id", _R), _c("orgSourcedId", "ref:orgs", _R), _c("title", "text", _R),
                _c("code", "text"), _c("schoolYearSourcedId", "ref:academicSessions"), _c("subject", "text"),
                _c("grade", "text")),
    "relationships": (_c("userSourcedId", "ref:users", _R), _c("relationshipUserSourcedId", "ref:users", _R),
                      _c("relationshipRole", "enum:relationshipRole", _R)),
}  # fmt: skip
#: The files SDS requires in every upload; classes and enrollments too when it manages classes.
REQUIRED_FILES = ("orgs", "users", "roles")

VOCABULARIES: dict[str, frozenset[str]] = {
    name: frozenset(words.split())
    for name, words in {
        "orgType": (
            "school ministryOfEducation localAuthority department university region district college division local "
            "campus province state adultEducation researchCenter national municipality program "
            "departmentOfEducation academicTrust"
        ),
        "role": (
            "principal chair professor researcher adjunct affiliate occupationalTherapist physicalTherapist "
            "speechTherapist visionTherapist paraprofessional specialServices advisor proctor nurse officeStaff "
            "lecturer itAdmin administrator teacher faculty staff teacherAssistant aide instructor substitute coach "
            "alumni student other"
        ),
        "enrollmentRole": "student teacher professor lecturer instructor teacherAssistant aide faculty",
        "sessionType": "schoolYear semester term gradingPeriod",
        "relationshipRole": "guardian parent relative",
    }.items()
}
