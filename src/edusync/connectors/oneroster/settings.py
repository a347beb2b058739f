"""The settings of the CSV package connectors: ``oneroster-csv`` (source and target) and ``sds-csv`` (target).

Secrets (``sftp_password``, ``sftp_private_key``) are top-level ``SecretStr`` fields, so the config
loader refuses them unless they are ``${ENV}`` references.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

_ROLES = {"student": "student", "elev": "student", "teacher": "teacher", "lærer": "teacher",
          "faculty": "teacher", "kontaktlærer": "teacher", "staff": "ext:staff", "employee": "ext:staff",
          "ansatt": "ext:staff", "guardian": "guardian", "parent": "parent", "foresatt": "guardian"}  # fmt: skip
_ENROLLMENT_ROLES = {"student": "student", "elev": "student", "teacher": "teacher", "lærer": "teacher",
                     "faculty": "teacher", "kontaktlærer": "teacher", "instructor": "teacher"}  # fmt: skip


class PackageTargetSettings(BaseModel):
    """What every CSV package target shares: the folder, the file names, the vocabulary, SFTP delivery."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    output: Path | None = None
    """As a target: the folder the packages (zip files), and the state of what was published, are written to."""
    prefix: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    """Package names start with this; unset: the connector's name."""
    keep_files: int = Field(default=30, ge=1)
    """How many published packages stay in ``output``; older ones are deleted."""
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

    # -- delivery over SFTP (optional; the packages are always kept in ``output`` too) -----------
    sftp_host: str | None = None
    """Also deliver each package to this SFTP server; unset: the packages stay in ``output`` only."""
    sftp_port: int = Field(default=22, ge=1, le=65535)
    """The SFTP server's port."""
    sftp_username: str | None = None
    """The SFTP login; required with ``sftp_host``."""
    sftp_password: SecretStr | None = None
    """The login's password, only as an ``${ENV}`` reference; this or ``sftp_private_key``."""
    sftp_private_key: SecretStr | None = None
    """The private key's text (OpenSSH or PEM), only as an ``${ENV}`` reference."""
    sftp_passphrase: SecretStr | None = None
    """The private key's passphrase, if it has one, only as an ``${ENV}`` reference."""
    sftp_host_key: str | None = None
    """The server's public key (``ssh-ed25519 AAAA…``); without it or ``sftp_known_hosts``, ``~/.ssh/known_hosts``
    is used. An unknown host key is never accepted."""
    sftp_known_hosts: Path | None = None
    """A known_hosts file with the server's key, instead of ``sftp_host_key``."""
    sftp_dir: str = "."
    """The folder on the server the packages go to; each arrives whole, by rename."""
    sftp_timeout: float = Field(default=60.0, gt=0)
    """Seconds to wait for the connection; a whole upload may take ten times this."""

    @field_validator("school_year_start")
    @classmethod
    def _a_day(cls, value: str) -> str:
        month, day = (int(x) for x in value.split("-"))
        if not (1 <= month <= 12 and 1 <= day <= 28):
            raise ValueError("school_year_start must be MM-DD with a day from 01 to 28")
        return value

    @model_validator(mode="after")
    def _sftp(self) -> PackageTargetSettings:
        if self.sftp_host:
            if not self.sftp_username:
                raise ValueError("sftp_username is required with sftp_host")
            if self.sftp_password is None and self.sftp_private_key is None:
                raise ValueError("sftp_host needs sftp_password or sftp_private_key (from ${ENV})")
        return self

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
