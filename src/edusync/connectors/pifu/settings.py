"""The settings of one ``pifu-xml`` connector (a target, a source, or both)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class PifuSettings(BaseModel):
    """As a target: ``output`` (a folder) and optionally ``sftp_*``; as a source: ``input``.

    Secrets (``sftp_password``, ``sftp_private_key``) are top-level ``SecretStr``
    fields so the config loader refuses them unless they are ``${ENV}`` references.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # -- target ---------------------------------------------------------------------------
    output: Path | None = None
    #: full: every file holds the whole picture; delta: only what changed (recstatus 1/2/3);
    #: auto: full on the first export into ``output`` (no published state yet), delta after.
    mode: Literal["full", "delta", "auto"] = "auto"
    datasource: str = Field(default="edusync", min_length=1, max_length=256)
    #: ``sourcedid/source`` on every id (PIFU: at most 32 characters); defaults to ``datasource``.
    source: str | None = Field(default=None, min_length=1, max_length=32)
    targets: list[str] = Field(default_factory=list)
    lang: str = Field(default="no", min_length=2, max_length=128)
    #: File names start with this (default: the connector's name).
    prefix: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    keep_files: int = Field(default=30, ge=1)
    #: What a soft delete does: ``delete`` (recstatus 3 / left out; itslearning puts the
    #: person in its trash) or ``inactive`` (kept, person marked inaktiv, membership status 0).
    soft_delete: Literal["delete", "inactive"] = "delete"
    #: A delta change set with nothing in it writes no file.
    skip_empty_delta: bool = True

    # -- delivery over SFTP (optional; files are always kept in ``output`` too) ---------------
    sftp_host: str | None = None
    sftp_port: int = Field(default=22, ge=1, le=65535)
    sftp_username: str | None = None
    sftp_password: SecretStr | None = None
    sftp_private_key: SecretStr | None = None  # the key's text (OpenSSH or PEM)
    sftp_passphrase: SecretStr | None = None
    #: The server's public key (``ssh-ed25519 AAAA…``), or a known_hosts file; without
    #: either, ``~/.ssh/known_hosts`` is used. An unknown host key is never accepted.
    sftp_host_key: str | None = None
    sftp_known_hosts: Path | None = None
    sftp_dir: str = "."
    sftp_timeout: float = Field(default=60.0, gt=0)

    # -- source ---------------------------------------------------------------------------
    #: A PIFU/IMS Enterprise file, or a folder of them (read in name order).
    input: Path | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PifuSettings:
        if self.source is None and len(self.datasource) > 32:
            raise ValueError("datasource is longer than 32 characters: set 'source' (sourcedid/source) too")
        if self.sftp_host:
            if not self.sftp_username:
                raise ValueError("sftp_username is required with sftp_host")
            if self.sftp_password is None and self.sftp_private_key is None:
                raise ValueError("sftp_host needs sftp_password or sftp_private_key (from ${ENV})")
        return self

    @property
    def id_source(self) -> str:
        return self.source or self.datasource
