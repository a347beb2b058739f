"""The OneRoster CSV binding (1.1 and 1.2) as data: each file's columns in order, what each holds, what it points at.

Written from the facts of 1EdTech's *OneRoster CSV Tables 1.1* and *OneRoster CSV Binding 1.2*
(the column names, their order, which are required, their value types and vocabularies, which
file a reference points into); no text of the specifications is reproduced. Both the source's
reader and the tests' package checker (:mod:`.check`) judge files by this table only.

A column's ``kind`` is one of:

``id``        a sourcedId (any non-empty text)
``ref:F``     the sourcedId of a row in file ``F``; ``refs:F`` a comma-separated list of them
``status``    ``active`` or ``tobedeleted`` (blank allowed in a bulk file)
``datetime``  ISO 8601 date and time (``2024-08-01T02:00:00Z``); ``date`` ``YYYY-MM-DD``; ``year`` ``YYYY``
``bool``      ``true`` or ``false``
``enum:V``    one word of vocabulary ``V`` (:data:`VOCABULARIES`); ``enums:V`` a list of them
``list``      a comma-separated list of text
``userids``   a list of ``{type:identifier}`` pairs
``text``      anything
"""

from __future__ import annotations

from dataclasses import dataclass

MANIFEST = "manifest.csv"
#: A column whose name starts with one of these is an extension the binding allows in any file.
EXTENSION_PREFIXES = ("metadata.", "ext_", "ext:")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False


def _cols(spec: str) -> tuple[Column, ...]:
    """``name kind [!]`` per line: ``!`` marks a column whose value is required."""
    out = []
    for line in spec.splitlines():
        if not (parts := line.split()):
            continue
        out.append(Column(parts[0], parts[1], len(parts) > 2 and parts[2] == "!"))
    return tuple(out)


_HEAD = """
sourcedId id !
status status
dateLastModified datetime
"""

ACADEMIC_SESSIONS = _cols(
    _HEAD
    + """
title text !
type enum:sessionType !
startDate date !
endDate date !
parentSourcedId ref:academicSessions
schoolYear year !
"""
)
ORGS = _cols(
    _HEAD
    + """
name text !
type enum:orgType !
identifier text
parentSourcedId ref:orgs
"""
)
COURSES = _cols(
    _HEAD
    + """
schoolYearSourcedId ref:academicSessions
title text !
courseCode text
grades list
orgSourcedId ref:orgs !
subjects list
subjectCodes list
"""
)
CLASSES = _cols(
    _HEAD
    + """
title text !
grades list
courseSourcedId ref:courses !
classCode text
classType enum:classType !
location text
schoolSourcedId ref:orgs !
termSourcedIds refs:academicSessions !
subjects list
subjectCodes list
periods list
"""
)
ENROLLMENTS = _cols(
    _HEAD
    + """
classSourcedId ref:classes !
schoolSourcedId ref:orgs !
userSourcedId ref:users !
role enum:enrollmentRole !
primary bool
beginDate date
endDate date
"""
)
DEMOGRAPHICS = _cols(
    _HEAD
    + """
birthDate date
sex enum:sex
americanIndianOrAlaskaNative bool
asian bool
blackOrAfricanAmerican bool
nativeHawaiianOrOtherPacificIslander bool
white bool
demographicRaceTwoOrMoreRaces bool
hispanicOrLatinoEthnicity bool
countryOfBirthCode text
stateOfBirthAbbreviation text
cityOfBirth text
publicSchoolResidenceStatus text
"""
)
USERS_11 = _cols(
    _HEAD
    + """
enabledUser bool !
orgSourcedIds refs:orgs !
role enum:userRole11 !
username text !
userIds userids
givenName text !
familyName text !
middleName text
identifier text
email text
sms text
phone text
agentSourcedIds refs:users
grades list
password text
"""
)
USERS_12 = _cols(
    _HEAD
    + """
enabledUser bool !
username text !
userIds userids
givenName text !
familyName text !
middleName text
identifier text
email text
sms text
phone text
agentSourcedIds refs:users
grades list
password text
userMasterIdentifier text
resourceSourcedIds list
preferredGivenName text
preferredMiddleName text
preferredFamilyName text
primaryOrgSourcedId ref:orgs
pronouns text
"""
)
ROLES = _cols(
    _HEAD
    + """
userSourcedId ref:users !
roleType enum:roleType !
role enum:role12 !
beginDate date
endDate date
orgSourcedId ref:orgs !
userProfileSourcedId ref:userProfiles
"""
)
USER_PROFILES = _cols(
    _HEAD
    + """
userSourcedId ref:users !
profileType text !
vendorId text !
applicationId text
description text
credentialType text !
username text !
password text
"""
)

_ROSTER_11 = {
    "academicSessions": ACADEMIC_SESSIONS,
    "orgs": ORGS,
    "courses": COURSES,
    "classes": CLASSES,
    "users": USERS_11,
    "enrollments": ENROLLMENTS,
    "demographics": DEMOGRAPHICS,
}
#: The rostering files of each version (gradebook and resource files are not rostering: left out).
FILES: dict[str, dict[str, tuple[Column, ...]]] = {
    "1.1": _ROSTER_11,
    "1.2": {**_ROSTER_11, "users": USERS_12, "roles": ROLES, "userProfiles": USER_PROFILES},
}
#: Every ``file.X`` a manifest of each version lists (rostering and the rest), each bulk, delta or absent.
_MANIFEST_WORDS = {
    "1.1": (
        "academicSessions categories classes classResources courses courseResources demographics enrollments "
        "lineItems orgs resources results users"
    ),
    "1.2": (
        "academicSessions categories classes classResources courses courseResources demographics enrollments "
        "lineItemLearningObjectiveIds lineItems lineItemScoreScales orgs resources resultLearningObjectiveIds "
        "results resultScoreScales roles scoreScales userProfiles userResources users"
    ),
}
MANIFEST_FILES = {version: tuple(words.split()) for version, words in _MANIFEST_WORDS.items()}
FILE_MODES = ("bulk", "delta", "absent")
MANIFEST_REQUIRED = ("manifest.version", "oneroster.version")

_USER_ROLES_11 = "administrator aide guardian parent proctor relative student teacher"
VOCABULARIES: dict[str, frozenset[str]] = {
    name: frozenset(words.split())
    for name, words in {
        "sessionType": "gradingPeriod semester schoolYear term",
        "orgType": "department district local national school state",
        "classType": "homeroom scheduled",
        "enrollmentRole": "administrator proctor student teacher",
        "sex": "female male other unspecified",
        "userRole11": _USER_ROLES_11,
        "roleType": "primary secondary",
        "role12": (
            "aide counselor districtAdministrator guardian parent principal proctor relative siteAdministrator "
            "student systemAdministrator teacher"
        ),
    }.items()
}
#: Vocabularies that 1.2 lets a producer extend with ``ext:`` words.
EXTENSIBLE = frozenset({"sessionType", "orgType", "classType", "role12"})


def columns(version: str, file: str) -> tuple[Column, ...]:
    return FILES[version][file]
