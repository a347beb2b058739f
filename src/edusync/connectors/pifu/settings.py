"""The settings of one ``pifu-xml`` connector (a target, a source, or both)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from edusync.connectors.pifu.published import PublishedSettings


class PifuSettings(PublishedSettings):
    """As a target: ``output`` (a folder) and optionally ``sftp_*``; as a source: ``input``.

    Secrets (``sftp_password``, ``sftp_private_key``) are top-level ``SecretStr``
    fields so the config loader refuses them unless they are ``${ENV}`` references.
    """

    # -- target (``output``, ``prefix``, ``keep_files`` and ``sftp_*`` are PublishedSettings') ---------
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
    soft_delete: Literal["delete", "inactive"] = "delete"
    """What a soft delete does: ``delete`` (recstatus 3, or left out of a full file; itslearning puts the person in
    its trash) or ``inactive`` (kept, the person marked inaktiv, a membership status 0)."""
    skip_empty_delta: bool = True
    """A delta change set with nothing in it writes no file."""

    # -- source ---------------------------------------------------------------------------
    input: Path | None = None
    """As a source: a PIFU/IMS Enterprise file, or a folder of them (read in name order)."""

    @model_validator(mode="after")
    def _consistent(self) -> PifuSettings:
        if self.source is None and len(self.datasource) > 32:
            raise ValueError("datasource is longer than 32 characters: set 'source' (sourcedid/source) too")
        return self

    @property
    def id_source(self) -> str:
        return self.source or self.datasource
