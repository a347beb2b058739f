"""The settings of one ``imses`` target: where itslearning's IMS ES endpoint is, and how to talk to it."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


def _http_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s)://host/... URL")
    return value


class ImsesSettings(BaseModel):
    """One frozen model, checked when the configuration is loaded.

    itslearning generates an endpoint, a username and a password per site when the
    integration is set up; the credentials decide which site and hierarchy the calls
    change. ``url`` is the combined port (``…/ImsEnterpriseServicesPort.svc``); a site
    that gave one endpoint per service sets ``person_url``, ``group_url`` and
    ``membership_url`` as well. The password is a ``SecretStr``, so the loader only
    accepts it as a ``${ENV}`` reference.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    url: str
    """The site's combined IMS ES port, ending in ``…/ImsEnterpriseServicesPort.svc``."""
    person_url: str | None = None
    """The person service's own endpoint, for a site that gave one per service; unset: ``url``."""
    group_url: str | None = None
    """The group service's own endpoint; unset: ``url``."""
    membership_url: str | None = None
    """The membership service's own endpoint; unset: ``url``."""
    username: str = Field(min_length=1)
    """The username itslearning generated for this integration; it decides which site the calls change."""
    password: SecretStr
    """Its password, only as an ``${ENV}`` reference."""
    timeout: float = Field(default=30.0, gt=0, le=600)
    """Seconds to wait for one answer."""
    retries: int = Field(default=3, ge=0, le=10)
    """Extra attempts after a timeout, a dropped connection or a 5xx without a SOAP fault."""
    backoff: float = Field(default=0.5, ge=0, le=30)
    """Seconds before the first retry, doubling with each one after (at most eight times this)."""
    batch_size: int = Field(default=100, ge=1, le=1000)
    """Items per batch call (createPersons, deleteMemberships…); itslearning recommends at most 100."""
    institution_roles: dict[str, str] = Field(default_factory=dict)
    """More words for a person's ``role`` → its ``institutionRoleType`` (itslearning's profile mapping), besides
    the built-in ones."""
    group_types: dict[str, str] = Field(default_factory=dict)
    """More words for a group's ``groupType`` → School, Course, CourseGroup or Unspecified, besides the built-in
    ones."""
    archive: Literal["delete", "keep"] = "delete"
    """What an archived group becomes: ``delete`` (deleteGroup; itslearning archives a deleted course when the
    site's course archiving is on) or ``keep`` (left as it is)."""

    @field_validator("url", "person_url", "group_url", "membership_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _http_url(value)

    def endpoint(self, kind: str) -> str:
        """The URL of the person, group or membership service."""
        own = {"person": self.person_url, "group": self.group_url, "membership": self.membership_url}.get(kind)
        return own or self.url
