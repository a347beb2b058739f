"""itslearning's IMS ES vocabularies, and the everyday words edusync configs use for them.

The words are the same ones the ``pifu-xml`` target reads (``student``, ``teacher``,
``undervisningsgruppe`` …), so one set of provisioning rules can feed both targets.
"""

from __future__ import annotations

from edusync.connectors.pifu.vocab import squash

GROUP_SCHEME = "ItslearningOrganisationTypes"

#: itslearning's organisation types a client may send (Site is the fixed main organisation).
GROUP_TYPES = ("Unspecified", "Site", "School", "Course", "CourseGroup")

GROUP_ALIASES = {
    "school": "School",
    "skole": "School",
    "course": "Course",
    "emne": "Course",
    "fag": "Course",
    "subject": "Course",
    "teaching": "Course",
    "teachinggroup": "Course",
    "undervisningsgruppe": "Course",
    "coursegroup": "CourseGroup",
    "subgroup": "CourseGroup",
    "kursgruppe": "CourseGroup",
    "unspecified": "Unspecified",
    "hierarchy": "Unspecified",
    "class": "Unspecified",
    "klasse": "Unspecified",
    "basisgruppe": "Unspecified",
    "trinn": "Unspecified",
    "grade": "Unspecified",
    "department": "Unspecified",
    "site": "Site",
}

#: IMS ES ``roleType`` literals by the IMS Enterprise code the pifu-xml target also uses.
ROLE_TYPES = {
    "01": "Learner",
    "02": "Instructor",
    "03": "ContentDeveloper",
    "04": "Member",
    "05": "Manager",
    "06": "Mentor",
    "07": "Administrator",
    "08": "TeachingAssistant",
}

#: IMS ``institutionRoleType`` values; itslearning maps Student, Staff, Guest, Administrator and
#: Carer to a profile by default, and a site may map others (or its own words) in its settings.
INSTITUTION_ROLES = (
    "Student",
    "Faculty",
    "Member",
    "Learner",
    "Instructor",
    "Mentor",
    "Staff",
    "Alumni",
    "ProspectiveStudent",
    "Guest",
    "Other",
    "Administrator",
    "Observer",
    "Carer",
)

INSTITUTION_ALIASES = {
    "student": "Student",
    "staff": "Staff",
    "guest": "Guest",
    "administrator": "Administrator",
    "carer": "Carer",
    "pupil": "Student",
    "elev": "Student",
    "learner": "Student",
    "teacher": "Staff",
    "faculty": "Staff",
    "lærer": "Staff",
    "laerer": "Staff",
    "employee": "Staff",
    "ansatt": "Staff",
    "parent": "Carer",
    "guardian": "Carer",
    "foresatt": "Carer",
    "admin": "Administrator",
}


def group_type(value: str | None, default: str, extra: dict[str, str]) -> str | None:
    """The itslearning type for ``value`` (a word or a type), or None if it names none."""
    if not value:
        return default
    if value in GROUP_TYPES:
        return value
    word = squash(value)
    found = {squash(k): v for k, v in extra.items()}.get(word) or GROUP_ALIASES.get(word)
    return found if found in GROUP_TYPES else None


def institution_role(value: str, extra: dict[str, str]) -> str:
    """The ``institutionRoleType`` for a role word; an IMS value or an unknown word is sent as it is.

    itslearning lets a site map its own values to profiles ("Synchronisation - Map from
    profile"), so a word edusync does not know may still mean something there.
    """
    word = squash(value)
    mapped = {squash(k): v for k, v in extra.items()}.get(word)
    if mapped is None and value in INSTITUTION_ROLES:
        return value
    return mapped or INSTITUTION_ALIASES.get(word) or value
