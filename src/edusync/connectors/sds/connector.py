"""The ``sds-csv`` connector: Microsoft School Data Sync v2.1 CSV files, zipped, one package per change set.

SDS takes no deltas in its CSV format: every upload is the whole set of files, and a record
left out is made inactive. So each package is rendered from the whole published picture (the
state file shared with ``oneroster-csv``), and a change set that deletes writes a package
without those records. Teams gets a class per group (undervisningsgruppe and basisgruppe
alike), each in its school and school year.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import orjson

from edusync.connectors.base import Capability
from edusync.connectors.oneroster.canon import GROUP, MEMBERSHIP, ORG, PERSON
from edusync.connectors.oneroster.settings import SdsSettings
from edusync.connectors.oneroster.target import PackageTarget
from edusync.connectors.oneroster.writer import Files
from edusync.connectors.pifu.state import State
from edusync.connectors.sds.binding import FILES

HEADERS = {f"{name}.csv": [c.name for c in cols] for name, cols in FILES.items()}
#: Users SDS gets: enabled ones (a user left out of an upload is made inactive).
_USERS = "SELECT key FROM objects WHERE section = 0 AND active = 1 AND json_extract(canon, '$.enabled')"


class SdsConnector(PackageTarget):
    """Writes ``orgs``, ``users``, ``roles``, ``classes``, ``enrollments``, ``academicSessions``, ``courses`` and
    ``relationships`` (guardians, where a person's ``guardians`` are known) into one zip per change set."""

    type_name = "sds-csv"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.EXPORT, Capability.SOFT_DELETE, Capability.CONFIRM}
    )
    settings_model = SdsSettings
    settings: SdsSettings
    state_name = "sds-state.sqlite"

    def skip_unchanged(self, full: bool) -> bool:
        """Nothing changed: the package published last is still the whole truth, so none is written."""
        return True

    def render(self, folder: Path, state: State, full: bool) -> int:
        labels = state.labels()
        persons = {k for (k,) in state.db.execute(_USERS)}
        sessions: dict[str, dict[str, str]] = {}
        courses: set[str] = set()
        dangling = 0
        loads = orjson.loads
        with Files(folder, HEADERS) as files:
            files.open_all(HEADERS)
            for key, section, _active, text in state.objects():
                c = loads(text)
                if section == PERSON:
                    if key not in persons:
                        continue  # disabled: SDS makes a user left out of the upload inactive
                    files.row("users.csv", [key, c["username"], c["givenName"], c["familyName"], "", "",
                                            c["email"], c["phone"], c["sms"]])  # fmt: skip
                    for n, org in enumerate(c["orgs"] if c["role"] else []):
                        files.row("roles.csv", [key, org, c["role"], "", "", "TRUE" if n == 0 else "FALSE", "", ""])
                    for guardian in c["agents"]:
                        if guardian in persons:
                            files.row("relationships.csv", [key, guardian, "guardian"])
                elif section == ORG:
                    files.row("orgs.csv", [key, c["name"], c["type"], c["parent"]])
                elif section == GROUP:
                    term = c["term"]
                    sessions.setdefault(term["id"], term)
                    course = c["course"] or key
                    files.row("classes.csv", [key, c["school"], c["title"], term["id"], course])
                    if course not in courses:
                        courses.add(course)
                        files.row("courses.csv", [course, c["school"], c["title"], c["classCode"], term["id"], "", ""])
                elif section == MEMBERSHIP:
                    if c["group"] not in labels or c["person"] not in persons:
                        dangling += 1
                        continue
                    files.row("enrollments.csv", [c["group"], c["person"], c["role"]])
            for sid, term in sorted(sessions.items()):
                files.row("academicSessions.csv", [sid, f"Skoleåret {sid}", "schoolYear", term["year"],
                                                   term["start"], term["end"]])  # fmt: skip
            count = files.count
        if dangling:
            self.warn(f"{dangling} enrollments left out: their class or user is not in the package")
        return count
