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
    """The combined port, ``https://…/WCFServiceLibrary/ImsEnterpriseServicesPort.svc``."""
    person_url: str | None = None
    """The person service's own endpoint, for a site that gave one per service (default: ``url``)."""
    group_url: str | None = None
    """The group service's own endpoint (default: ``url``)."""
    membership_url: str | None = None
    """The membership service's own endpoint (default: ``url``)."""
    username: str = Field(min_length=1)
    """The IMS ES user itslearning generated for the site; it decides which site the calls change."""
    password: SecretStr
    """That user's password, only as a ``${ENV}`` reference."""
    timeout: float = Field(default=30.0, gt=0, le=600)
    """Seconds to wait for one answer."""
    retries: int = Field(default=3, ge=0, le=10)
    """Extra attempts after a timeout, a dropped connection or a 5xx without a SOAP Fault."""
    backoff: float = Field(default=0.5, ge=0, le=30)
    """Seconds before the first retry; the wait doubles with each one."""
    batch_size: int = Field(default=100, ge=1, le=1000)
    """Items per batch call (createPersons, deleteMemberships …); itslearning recommends at most 100."""
    institution_roles: dict[str, str] = Field(default_factory=dict)
    """Extra words for a person's ``role`` -> ``institutionRoleType`` (itslearning's profile mapping)."""
    group_types: dict[str, str] = Field(default_factory=dict)
    """Extra words for a group's ``groupType`` -> School, Course, CourseGroup or Unspecified."""
    archive: Literal["delete", "keep"] = "delete"
    """What an archived group becomes: ``delete`` (deleteGroup; itslearning archives a deleted
    course when the site's course archiving is on) or ``keep`` (left as it is)."""

    @field_validator("url", "person_url", "group_url", "membership_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _http_url(value)

    def endpoint(self, kind: str) -> str:
        """The URL of the person, group or membership service."""
        own = {"person": self.person_url, "group": self.group_url, "membership": self.membership_url}.get(kind)
        return own or self.url
