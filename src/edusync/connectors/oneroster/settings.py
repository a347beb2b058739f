"""The settings of the CSV package connectors: ``oneroster-csv`` (source and target) and ``sds-csv`` (target).

Secrets (``sftp_password``, ``sftp_private_key``) are top-level ``SecretStr`` fields, so the config
loader refuses them unless they are ``${ENV}`` references.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from edusync.connectors.pifu.published import PublishedSettings

_ROLES = {"student": "student", "elev": "student", "teacher": "teacher", "lærer": "teacher",
          "faculty": "teacher", "kontaktlærer": "teacher", "staff": "ext:staff", "employee": "ext:staff",
          "ansatt": "ext:staff", "guardian": "guardian", "parent": "parent", "foresatt": "guardian"}  # fmt: skip
_ENROLLMENT_ROLES = {"student": "student", "elev": "student", "teacher": "teacher", "lærer": "teacher",
                     "faculty": "teacher", "kontaktlærer": "teacher", "instructor": "teacher"}  # fmt: skip


class PackageTargetSettings(PublishedSettings):
    """What every CSV package target adds to the folder, names and SFTP delivery: the vocabulary."""

    soft_delete: Literal["delete", "disable"] = "delete"
    """What a soft delete of a person does: ``delete`` (left out of a bulk package, ``tobedeleted`` in a delta) or
    ``disable`` (kept, with ``enabledUser`` false)."""
    roles: dict[str, str] = Field(default_factory=lambda: dict(_ROLES))
    """A person's ``role`` (edusync's word, any case) -> the role the package gives them at their orgs; a role
    not listed fails that person's change."""
    enrollment_roles: dict[str, str] = Field(default_factory=lambda: dict(_ENROLLMENT_ROLES))
    """A membership's ``role`` -> the enrollment's role (``student``, ``teacher``…); a role not listed fails the
    membership's change."""
    national_id: str | None = Field(default=None, pattern=r"^(identifier|userIds:[A-Za-z0-9_.-]+)$")
    """Where a person's ``nin`` (fødselsnummer) goes: unset (the default) sends none and leaves out any attribute
    that holds one; ``identifier``, or ``userIds:TYPE`` (``userIds:FNR``) as a ``{TYPE:number}`` entry."""
    school_year_start: str = Field(default="08-01", pattern=r"^\d{2}-\d{2}$")
    """``MM-DD`` on which a school year begins: each class belongs to the school year its ``start`` (or the run's
    date) falls in, written as the academic session ``YYYY-YYYY``."""

    @field_validator("school_year_start")
    @classmethod
    def _a_day(cls, value: str) -> str:
        month, day = (int(x) for x in value.split("-"))
        if not (1 <= month <= 12 and 1 <= day <= 28):
            raise ValueError("school_year_start must be MM-DD with a day from 01 to 28")
        return value

    @property
    def year_start(self) -> tuple[int, int]:
        month, day = re.split("-", self.school_year_start)
        return int(month), int(day)


class OneRosterSettings(PackageTargetSettings):
    """As a source: ``input``; as a target: ``output`` (and optionally ``sftp_*``), OneRoster 1.2 packages."""

    input: Path | None = None
    """As a source: a package (a ``.zip``, or a folder holding ``manifest.csv``), or a folder of zips of which the
    newest by name is read."""
    mode: Literal["bulk", "delta", "auto"] = "auto"
    """As a target: ``bulk``: every package holds everything; ``delta``: only what changed (``tobedeleted`` for
    what is gone); ``auto``: bulk on the first export into ``output``, delta after."""
    skip_empty_delta: bool = True
    """A delta change set with nothing in it writes no package."""
    system_name: str = Field(default="edusync", min_length=1)
    """The manifest's ``source.systemName``."""
    system_code: str | None = None
    """The manifest's ``source.systemCode`` (the school owner's code); unset: left out."""


class SdsSettings(PackageTargetSettings):
    """``output`` (and optionally ``sftp_*``): a School Data Sync v2.1 package of every file, each time."""

    roles: dict[str, str] = Field(
        default_factory=lambda: {
            **_ROLES,
            "staff": "staff",
            "employee": "staff",
            "ansatt": "staff",
            "guardian": "",
            "parent": "",
            "foresatt": "",
        }
    )
    """A person's ``role`` (edusync's word, any case) -> the SDS role at their orgs (``student``, ``teacher``,
    ``staff``…); ``""``: a user with no role at any org (guardians: SDS knows them from relationships.csv); a
    role not listed fails that person's change."""
