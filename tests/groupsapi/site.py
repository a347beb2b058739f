"""A school owner and a university in one edusync database, synced by a real run from JSON files.

The values reproduce the examples in Feide's documentation (the seed's ``fc:fs:str``
"Kompliserte studier", formats.md §5's ``fc:fs:emne`` "Bruk av oddetall" and GO teaching group
"Matte 3A", the ``fc:fs:fs:kull:example.org:RF:2024H`` cohort), plus what exercises the rest:
an expired class, a student whose study right ended, a course from a past term, an instructor,
a local id that needs percent-encoding, a school without an organisation number.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml

from edusync.config.loader import LoadedConfig, load_config
from edusync.pipeline.run import Runner, RunOutcome
from edusync.storage import Database, open_database

#: The API's clock: inside the seed's membership (2024-07-31 – 2025-07-30), so it is active.
NOW = dt.datetime(2025, 1, 15, 12, 0, tzinfo=dt.UTC)
GO_REALM, HE_REALM = "eksempel.kommune.no", "example.org"
PUPIL, PUPIL2, TEACHER, NOBODY = (f"{u}@{GO_REALM}" for u in ("elev1", "elev2", "laerer1", "ingen"))
STUDENT, FORMER, LECTURER = (f"{u}@{HE_REALM}" for u in ("student1", "tidligere", "foreleser"))
FOREVER = {"start": "2000-07-01", "end": "2100-06-30"}

ORGS = [
    {"id": "owner", "type": "skoleeier", "displayName": "Eksempel kommune", "orgnr": "987654320"},
    {"id": "school", "type": "skole", "displayName": "Eksempel skole", "orgnr": "987654321"},
    {"id": "nonumber", "type": "skole", "displayName": "Skole uten organisasjonsnummer"},
]
GROUPS = [
    {"id": "3a-matte", "kind": "undervisningsgruppe", "sasid": "3A-MATTE", "short": "Matte 3A", "school": "school",
     "fag": ["MAT0003"], "fagnavn": ["Matematikk 3. årstrinn"], **FOREVER},
    {"id": "3a", "kind": "basisgruppe", "sasid": "3A", "short": "3A", "school": "school", **FOREVER},
    {"id": "3a-kl", "kind": "kontaktlarergruppe", "sasid": "3A-KL", "short": "3A kontaktlærer", "school": "school",
     **FOREVER},
    {"id": "2a", "kind": "basisgruppe", "sasid": "2A", "short": "2A", "school": "school",
     "start": "2020-08-01", "end": "2021-06-30"},
    {"id": "årbok", "kind": "undervisningsgruppe", "sasid": "PRJ/Årbok", "short": "Årbok", "school": "school",
     "fag": ["PRO0001"], **FOREVER},
    {"id": "lost", "kind": "basisgruppe", "sasid": "9Z", "short": "9Z", "school": "nonumber", **FOREVER},
    {"id": "elever", "kind": "orgUnitGroup", "short": "Elever ved Eksempel skole", "school": "school"},
    {"id": "fs:studieprogram:RF", "fstype": "studieprogram", "code": "RF", "name": "Rettsfag"},
    {"id": "fs:studieretning:RF,KS", "fstype": "studieretning", "code": "RF,KS", "name": "Kompliserte studier"},
    {"id": "fs:kull:RF,2024,HØST", "fstype": "kull", "code": "RF,2024,HØST", "name": "Rettsfag, kull 2024 HØST"},
]  # fmt: skip
PERSONS = [
    {"id": "elev1", "eppn": "Elev1@Eksempel.Kommune.no", "name": "Ola Elev", "affiliation": ["member", "student"],
     "primary": "student", "company": "Eksempel skole"},
    {"id": "elev2", "eppn": PUPIL2, "name": "Per Elev", "affiliation": ["member", "student"], "primary": "student"},
    {"id": "laerer1", "eppn": TEACHER, "name": "Kari Lærer", "affiliation": ["member", "employee", "faculty"],
     "primary": "faculty"},
    {"id": "ingen", "eppn": NOBODY, "name": "Ingen Grupper", "affiliation": ["member"]},
    {"id": "student1", "eppn": STUDENT, "name": "Siri Student"},
    {"id": "tidligere", "eppn": FORMER, "name": "Tor Tidligere"},
    {"id": "foreleser", "eppn": LECTURER, "name": "Frida Foreleser"},
]  # fmt: skip
STUDIERETT = {"role": "student", "begin": "2024-07-31", "end": "2025-07-30"}
MEMBERSHIPS = [
    *({"id": f"elev1|{g}", "person": "elev1", "group": g, "role": "Elev"} for g in ("3a-matte", "3a", "3a-kl", "2a",
                                                                                    "årbok", "elever", "lost")),
    *({"id": f"elev2|{g}", "person": "elev2", "group": g, "role": "Elev"} for g in ("3a-matte", "3a")),
    {"id": "laerer1|3a-matte", "person": "laerer1", "group": "3a-matte", "role": "Lærer"},
    *({"id": f"student1|{g}", "person": "student1", "group": g, **STUDIERETT} for g in ("fs:studieprogram:RF",
                                                                                        "fs:studieretning:RF,KS",
                                                                                        "fs:kull:RF,2024,HØST")),
    {"id": "tidligere|RF", "person": "tidligere", "group": "fs:studieprogram:RF", "role": "student",
     "begin": "2023-08-15", "end": "2024-06-30"},
    {"id": "foreleser|RF", "person": "foreleser", "group": "fs:studieprogram:RF", "role": "faculty",
     "begin": "2020-01-01"},
]  # fmt: skip
EXAMS = [
    {"id": "9001|OTF5913|A|SKR|2024 HØST", "title": "Bruk av oddetall", "term": "2024 HØST",
     "begin": "2024-07-31", "end": "2025-07-30"},
    {"id": "9001|OTF1000|1|SKR|2023 VÅR", "title": "Oddetall, grunnkurs", "term": "2023 VÅR"},
]  # fmt: skip
PARTICIPANTS = [
    {"id": "c1", "exam": EXAMS[0]["id"], "organisationId": STUDENT, "firstName": "Siri", "lastName": "Student"},
    {"id": "c2", "exam": EXAMS[1]["id"], "organisationId": STUDENT, "firstName": "Siri", "lastName": "Student"},
]
FLOWS = {
    "organisation": [("type", "type"), ("displayName", "displayName"), ("basOrgNumber", "orgnr")],
    "group": [("type", "kind"), ("groupType", "fstype"), ("basSASID", "sasid"), ("basShortName", "short"),
              ("name", "name"), ("code", "code"), ("basStartDate", "start"), ("basEndDate", "end"),
              ("grepCode", "fag"), ("subject", "fagnavn"), ("basOrgUnitRef", "school", "organisation")],
    "person": [("eduPersonPrincipalName", "eppn"), ("displayName", "name"), ("eduPersonAffiliation", "affiliation"),
               ("eduPersonPrimaryAffiliation", "primary"), ("company", "company")],
    "membership": [("person", "person", "person"), ("group", "group", "group"), ("role", "role"),
                   ("begin", "begin"), ("end", "end")],
    "exam": [("examId", "id"), ("title", "title"), ("term", "term"), ("begin", "begin"), ("end", "end")],
    "participant": [("exam", "exam", "exam"), ("organisationId", "organisationId"), ("firstName", "firstName"),
                    ("lastName", "lastName")],
}  # fmt: skip
GROUPS_API = {
    "refresh_seconds": 0,
    "fs": {
        "urls": {"fc:fs:emne": "https://www.example.org/emne/{code_lower}"},
        "emne_subject_relation": "undervisning",  # as the documented example
    },
    "roles": {"fsroles": {"student": ["STUDENT"], "faculty": ["FAGLÆRER"]}},
}


def _flow(spec: tuple[str, ...]) -> dict[str, str]:
    out = {"to": spec[0], "from": spec[1]}
    if len(spec) == 3:
        out["ref"] = spec[2]
    return out


class Site:
    """The data as JSON files, a config over them, runs, and the database."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self.folder = folder
        (folder / "data").mkdir(parents=True)
        self.data: dict[str, list[dict[str, Any]]] = {
            "organisation": [dict(o) for o in ORGS],
            "group": [dict(g) for g in GROUPS],
            "person": [dict(p) for p in PERSONS],
            "membership": [dict(m) for m in MEMBERSHIPS],
            "exam": [dict(e) for e in EXAMS],
            "participant": [dict(p) for p in PARTICIPANTS],
        }
        self.config = {
            "storage": {"url": database_url},
            "connectors": {
                "sis": {"type": "files", "settings": {"input": "data", "types": {t: {"file": t} for t in self.data}}}
            },
            "sync": [
                {"connector": "sis", "object_type": t, "metaverse_type": t, "flows": [_flow(f) for f in flows]}
                for t, flows in FLOWS.items()
            ],
            "groups_api": GROUPS_API,
            "profiles": {"nightly": ["sis:import", "sync", "lifecycle"]},
        }
        self._db: Database | None = None

    @property
    def config_path(self) -> Path:
        return self.folder / "edusync.yaml"

    def write(self) -> None:
        for name, rows in self.data.items():
            (self.folder / "data" / f"{name}.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        self.config_path.write_text(yaml.safe_dump(self.config, allow_unicode=True), encoding="utf-8")

    @property
    def loaded(self) -> LoadedConfig:
        return load_config(self.config_path)

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_database(self.loaded.config.storage.url, self.folder)
        return self._db

    def run(self, day: int = 0) -> RunOutcome:
        self.write()
        outcome = Runner(self.loaded, self.db).start("nightly", now=NOW + dt.timedelta(days=day))
        assert outcome.status == "done", outcome.report.errors
        return outcome

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
