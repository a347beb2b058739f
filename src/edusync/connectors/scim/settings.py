"""The settings of one ``scim`` target: where the SCIM 2.0 service is, how to authenticate, and what to send."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class ScimSettings(BaseModel):
    """One frozen model, checked when the configuration is loaded.

    The service's ``/ServiceProviderConfig`` decides the rest at run time: PATCH is used only when
    the service supports it (else a full PUT), Bulk only when it supports that, and ETags are sent
    as ``If-Match`` only when it offers them.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    url: str
    """The service's base URL, the one ``/Users``, ``/Groups`` and ``/ServiceProviderConfig`` are under
    (``https://app.example/scim/v2``)."""
    token: SecretStr | None = None
    """A bearer token, only as an ``${ENV}`` reference; unset: no ``Authorization`` header."""
    timeout: float = Field(default=30.0, gt=0, le=600)
    """Seconds to wait for one answer."""
    retries: int = Field(default=3, ge=0, le=10)
    """Extra attempts after a timeout, a dropped connection or a 5xx (a create only when it surely never arrived)."""
    backoff: float = Field(default=0.5, ge=0, le=30)
    """Seconds before the first retry, doubling with each one after (at most eight times this)."""
    page_size: int = Field(default=200, ge=1, le=10_000)
    """Resources asked for per page (``count``) when reading back; the service may give fewer, and pages go on."""
    filter_keys: int = Field(default=50, ge=1, le=200)
    """``externalId`` values per search filter (``externalId eq "a" or …``) when finding what a batch touches."""
    soft_delete: Literal["deactivate", "delete"] = "deactivate"
    """What a soft delete of a user does: ``deactivate`` (``active`` false; a restore sets it true again) or
    ``delete`` it. A hard delete, and any delete of a group, removes the resource."""
    update: Literal["auto", "patch", "replace"] = "auto"
    """How a changed resource is written: ``patch`` only what changed, ``replace`` it whole with PUT, or ``auto``
    (PATCH when the service supports it)."""
    bulk: bool = True
    """Send a batch's writes as ``/Bulk`` requests when the service supports them (within its maxOperations and
    maxPayloadSize); ``false``: one request per write."""
    bulk_size: int = Field(default=100, ge=1, le=10_000)
    """Operations per ``/Bulk`` request at most (the service's own limit applies when lower)."""

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s)://host/... URL")
        if parts.query or parts.fragment:
            raise ValueError("give the base URL without a query or fragment")
        return value.rstrip("/")
