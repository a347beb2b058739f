"""The ``fs`` connector's settings (one frozen model; the password only through ``${ENV}``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from edusync.connectors.fs.keys import ExamKey, parse_tid


class FsSettings(BaseModel):
    """Where FS is, who we are, and which exams and study groups to read.

    ``exams`` (exact keys) and ``terms`` (``YYYY TTT``) choose the exams; with neither, every
    exam FS lists is read. ``study_groups`` adds studieprogram, studieretning and kull with
    their students as ``person``, ``group`` and ``membership``. ``invalid_national_id`` says what
    a fødselsnummer with wrong check digits does: ``stop`` the import (the default: nothing is
    staged or sent until FS is corrected) or ``leave_out`` that number, with a warning.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    base_url: str = Field(min_length=1)
    username: str = Field(min_length=1)
    password: SecretStr
    exams: list[str] = Field(default_factory=list)
    terms: list[str] = Field(default_factory=list)
    study_groups: bool = True
    invalid_national_id: Literal["stop", "leave_out"] = "stop"
    timeout: float = Field(default=30.0, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
    backoff: float = Field(default=0.5, ge=0, le=30)

    @field_validator("exams")
    @classmethod
    def _keys(cls, value: list[str]) -> list[str]:
        return [ExamKey.parse(v).id for v in value]

    @field_validator("terms")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        return ["{} {}".format(*parse_tid(v)) for v in value]
