"""The ``fs`` connector's settings (one frozen model; the password only through ``${ENV}``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from edusync.connectors.fs.keys import ExamKey, parse_tid


class FsSettings(BaseModel):
    """Where FS is, who we are, and which exams and study groups to read."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
    base_url: str = Field(min_length=1)
    """The base URL of FS's REST API, as the institution's FS administrators give it."""
    username: str = Field(min_length=1)
    """The HTTP Basic user FS gave this integration."""
    password: SecretStr
    """Its password, only as an ``${ENV}`` reference."""
    exams: list[str] = Field(default_factory=list)
    """Exact exams to read, by FS exam key (``9001|INF1000|1|SKR|2026 VÅR``); with neither this nor ``terms``, every
    exam FS lists is read."""
    terms: list[str] = Field(default_factory=list)
    """Every exam of these terms (``YYYY TTT``: ``2026 VÅR``, ``2026 HØST``) is read, besides ``exams``."""
    study_groups: bool = True
    """Also read studieprogram, studieretning and kull with their students, as ``group``, ``person`` and
    ``membership``."""
    invalid_national_id: Literal["stop", "leave_out"] = "stop"
    """A fødselsnummer with wrong check digits ``stop``s the import, so nothing is staged or sent until FS is
    corrected, or is left out (``leave_out``) with a warning."""
    timeout: float = Field(default=30.0, gt=0)
    """Seconds to wait for one answer."""
    retries: int = Field(default=3, ge=0, le=10)
    """Extra attempts after a timeout, a dropped connection or a 5xx answer; then the run fails and stages nothing."""
    backoff: float = Field(default=0.5, ge=0, le=30)
    """Seconds before the first retry, doubling with each one after (at most eight times this)."""

    @field_validator("exams")
    @classmethod
    def _keys(cls, value: list[str]) -> list[str]:
        return [ExamKey.parse(v).id for v in value]

    @field_validator("terms")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        return ["{} {}".format(*parse_tid(v)) for v in value]
