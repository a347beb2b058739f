"""The PIFU-IMS 1.3 vocabularies, and the everyday words edusync configs use for them.

A config's outbound flows usually carry the metaverse's own words (``student``,
``teacher``, ``class``); PIFU wants codes (``01``, ``02``, ``basisgruppe``). The
tables here translate, case-insensitively, and accept the codes themselves too.
"""

from __future__ import annotations

import re

NS = "http://pifu.no/xsd/pifu-ims_sas/pifu-ims_sas-v1"

ORG_SCHEME = "pifu-ims-go-org"
GROUP_SCHEME = "pifu-ims-go-grp"

#: typevalue -> (scheme, level), PIFU-IMS 1.3 §4.2.3
GROUP_TYPES: dict[str, tuple[str, str]] = {
    "skoleeier": (ORG_SCHEME, "1"),
    "skole": (ORG_SCHEME, "2"),
    "basisgruppe": (GROUP_SCHEME, "1"),
    "undervisningsgruppe": (GROUP_SCHEME, "2"),
    "kontaktlærergruppe": (GROUP_SCHEME, "3"),
    "trinn": (GROUP_SCHEME, "4"),
    "utdanningsprogram": (GROUP_SCHEME, "5"),
    "programområde": (GROUP_SCHEME, "6"),
    "fag": (GROUP_SCHEME, "7"),
    "foresattegruppe": (GROUP_SCHEME, "8"),
    "språkopplæring": (GROUP_SCHEME, "9"),
    "sammensattgruppe": (GROUP_SCHEME, "10"),
    "elevråd": (GROUP_SCHEME, "11"),
    "fau": (GROUP_SCHEME, "12"),
    "skoleutvalg": (GROUP_SCHEME, "13"),
    "skolemiljøutvalg": (GROUP_SCHEME, "14"),
    "sfo": (GROUP_SCHEME, "15"),
    "eksamensgruppe": (GROUP_SCHEME, "16"),
}

GROUP_ALIASES = {
    "owner": "skoleeier",
    "schoolowner": "skoleeier",
    "county": "skoleeier",
    "municipality": "skoleeier",
    "kommune": "skoleeier",
    "fylke": "skoleeier",
    "fylkeskommune": "skoleeier",
    "school": "skole",
    "class": "basisgruppe",
    "klasse": "basisgruppe",
    "basis": "basisgruppe",
    "teaching": "undervisningsgruppe",
    "teachinggroup": "undervisningsgruppe",
    "course": "undervisningsgruppe",
    "undervisning": "undervisningsgruppe",
    "contact": "kontaktlærergruppe",
    "contactgroup": "kontaktlærergruppe",
    "kontaktlaerergruppe": "kontaktlærergruppe",
    "kontaktlarergruppe": "kontaktlærergruppe",  # FINT's and VIGO-BAS's spelling
    "orgunitgroup": "sammensattgruppe",  # VIGO-BAS: all pupils, staff or teachers of a school
    "grade": "trinn",
    "level": "trinn",
    "year": "trinn",
    "programme": "utdanningsprogram",
    "program": "utdanningsprogram",
    "programomrade": "programområde",
    "subject": "fag",
    "guardians": "foresattegruppe",
    "sprakopplaering": "språkopplæring",
    "exam": "eksamensgruppe",
}

#: role word -> (roletype, implied subrole). PIFU-IMS 1.3 §4.3.3 (roletype) and §4.3.3.1 (subrole).
ROLE_ALIASES: dict[str, tuple[str, str | None]] = {
    "student": ("01", None),
    "pupil": ("01", None),
    "learner": ("01", None),
    "elev": ("01", None),
    "teacher": ("02", None),
    "instructor": ("02", None),
    "faculty": ("02", None),
    "lærer": ("02", None),
    "laerer": ("02", None),
    "faglærer": ("02", "faglærer"),
    "vikar": ("02", "vikar"),
    "substitute": ("02", "vikar"),
    "lærerstudent": ("02", "lærerstudent"),
    "contentdeveloper": ("03", None),
    "member": ("04", None),
    "staff": ("04", None),
    "employee": ("04", None),
    "ansatt": ("04", None),
    "other": ("04", None),
    "andre": ("04", None),
    "manager": ("05", None),
    "leader": ("05", None),
    "skoleledelse": ("05", None),
    "principal": ("05", "rektor"),
    "rektor": ("05", "rektor"),
    "inspektør": ("05", "inspektør"),
    "mentor": ("06", None),
    "contactteacher": ("06", None),
    "kontaktlærer": ("06", None),
    "administrator": ("07", None),
    "admin": ("07", None),
    "iktansvarlig": ("07", "iktansvarlig"),
    "assistant": ("08", None),
    "teachingassistant": ("08", None),
    "assistent": ("08", None),
}

ROLE_NAMES = {
    "01": "student",
    "02": "teacher",
    "03": "contentDeveloper",
    "04": "member",
    "05": "manager",
    "06": "mentor",
    "07": "administrator",
    "08": "assistant",
}

_STAFF_SUBROLES = (
    "faglærer lærerstudent vikar rådgiver kontormedarbeider skolehelsetjeneste skolebibliotekar vaktmester "
    "renholdsarbeider foresattrepresentant rektor inspektør iktansvarlig sosiallærer sensor pptansatt"
)
#: the staff subroles, and the VIGO subject and programme statuses of pupils
SUBROLES = frozenset(_STAFF_SUBROLES.split()) | frozenset("EAFMNUPRVOSDILK")

#: person attribute -> userid@useridtype, in the order they are written
USERID_TYPES: dict[str, str] = {
    "nin": "personNIN",
    "feide": "feideID",
    "studentId": "studentID",
    "employeeId": "workforceID",
    "username": "username",
    "sisId": "sisID",
    "localId": "personLIN",
    "vigoId": "personFIN",
    "upn": "microsoftUPN",
}
USERID_ATTRS = {v: k for k, v in USERID_TYPES.items()}

GENDERS = {
    "1": "1",
    "f": "1",
    "female": "1",
    "k": "1",
    "kvinne": "1",
    "2": "2",
    "m": "2",
    "male": "2",
    "mann": "2",
}

SCHOOL_TYPES = frozenset({"barneskole", "ungdomsskole", "videregående", "barnehage", "sfo"})
PUPIL_STATUSES = frozenset(
    {"heltid", "deltid", "voksen", "privatist", "norsk-utv-i-utlandet", "utenlandsk-utv-i-norge"}
)

ADMIN_PERIOD = re.compile(r"[VH]*\d{4}(|/[VH]*\d{4})")
EMAIL = re.compile(r".+@.+(\..+)+")
URL = re.compile(r"[a-z]+://.+")


def squash(word: str) -> str:
    """Lower case without blanks, dashes or underscores: ``Teaching-Group`` -> ``teachinggroup``."""
    return re.sub(r"[\s_\-]", "", word).lower()
