"""The ``files`` connector's settings: which folder it reads or writes, and how its files look.

A relative folder is relative to the configuration's folder, so a site can be moved or copied whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FileType(BaseModel):
    """The file one object type is read from, and its anchor column."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
    file: str
    """The file's name in ``input``; without a suffix, ``format`` decides which one is read (``persons.csv``…)."""
    anchor: str = "id"
    """The column (or JSON key) that identifies an object for good: its anchor. It must never change for an object."""


DEFAULT_TYPES = {
    "organisation": FileType(file="orgs"),
    "person": FileType(file="persons"),
    "group": FileType(file="groups"),
    "membership": FileType(file="memberships"),
}


class FilesSettings(BaseModel):
    """``input``: a folder to read; ``output``: a folder to write change files to (or both)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
    input: Path | None = None
    """As a source: the folder with one file per object type; unset: this connector cannot import."""
    output: Path | None = None
    """As a target: the folder each change set is written to, as one JSON Lines file; unset: it cannot export."""
    types: dict[str, FileType] = Field(default_factory=lambda: dict(DEFAULT_TYPES))
    """Object type → its file; the default reads ``orgs``, ``persons``, ``groups`` and ``memberships``, each
    anchored by its ``id`` column."""
    format: Literal["auto", "csv", "json", "jsonl"] = "auto"
    """The suffix looked for when a file is named without one; ``auto`` takes the first of ``.csv``, ``.json`` and
    ``.jsonl`` that exists."""
    encoding: str = "utf-8-sig"
    """The text encoding of CSV files; the default also reads the byte-order mark Excel writes."""
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    """The CSV field separator (one character; ``;`` for many Norwegian spreadsheets)."""
    keep_files: int = Field(default=30, ge=1)
    """As a target: how many change files stay in ``output``; older ones are deleted."""
