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

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    # -- target ---------------------------------------------------------------------------
    output: Path | None = None
    """As a target: the folder the files, and the state of what was published, are written to."""
    mode: Literal["full", "delta", "auto"] = "auto"
    """``full``: every file holds the whole picture; ``delta``: only what changed (recstatus 1/2/3); ``auto``: full
    on the first export into ``output`` (nothing published yet), delta after."""
    datasource: str = Field(default="edusync", min_length=1, max_length=256)
    """The file's ``properties/datasource``: who made it."""
    source: str | None = Field(default=None, min_length=1, max_length=32)
    """``sourcedid/source`` on every id (PIFU allows at most 32 characters); unset: ``datasource``."""
    targets: list[str] = Field(default_factory=list)
    """The file's ``properties/target`` elements (``itslearning``); empty: none."""
    lang: str = Field(default="no", min_length=2, max_length=128)
    """The ``lang`` of the file's properties."""
    prefix: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    """File names start with this; unset: the connector's name."""
    keep_files: int = Field(default=30, ge=1)
    """How many published files stay in ``output``; older ones are deleted."""
    soft_delete: Literal["delete", "inactive"] = "delete"
    """What a soft delete does: ``delete`` (recstatus 3, or left out of a full file; itslearning puts the person in
    its trash) or ``inactive`` (kept, the person marked inaktiv, a membership status 0)."""
    skip_empty_delta: bool = True
    """A delta change set with nothing in it writes no file."""

    # -- delivery over SFTP (optional; files are always kept in ``output`` too) ---------------
    sftp_host: str | None = None
    """Also deliver each file to this SFTP server; unset: the files stay in ``output`` only."""
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
    """The folder on the server the files go to; each arrives whole, by rename."""
    sftp_timeout: float = Field(default=60.0, gt=0)
    """Seconds to wait for the connection; a whole upload may take ten times this."""

    # -- source ---------------------------------------------------------------------------
    input: Path | None = None
    """As a source: a PIFU/IMS Enterprise file, or a folder of them (read in name order)."""

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
