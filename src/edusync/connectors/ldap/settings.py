"""Settings of the ``ldap`` target connector (one frozen model, checked at start)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class LdapSettings(BaseModel):
    """Where the catalogue is, how to bind, and how its tree is laid out.

    Containers (``people``, ``organisations``, ``units``, ``trash``) are RDN
    sequences relative to ``base_dn``; the connector creates missing ones as
    ``organizationalUnit`` entries. ``soft_delete`` decides what a soft delete
    does: ``move`` the entry to the trash container (restorable, out of sight of
    searches under the home containers) or ``delete`` it outright.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    bind_dn: str
    bind_password: SecretStr
    base_dn: str
    people: str = "ou=people"
    organisations: str = "ou=organisations"
    units: str = "ou=units"
    trash: str = "ou=trash"
    soft_delete: Literal["move", "delete"] = "move"
    start_tls: bool = False
    ca_file: Path | None = None
    connect_timeout: float = Field(default=10.0, gt=0, le=300)
    timeout: float = Field(default=30.0, gt=0, le=3600)
    page_size: int = Field(default=500, ge=1, le=10_000)
    create_containers: bool = True

    @field_validator("url")
    @classmethod
    def _ldap_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
            raise ValueError("must be ldap://host[:port] or ldaps://host[:port]")
        if parts.path not in ("", "/") or parts.query:
            raise ValueError("give the base DN in 'base_dn', not in the URL")
        return value

    @field_validator("base_dn", "bind_dn", "people", "organisations", "units", "trash")
    @classmethod
    def _dn(cls, value: str) -> str:
        value = value.strip()
        if not value or any("=" not in rdn for rdn in value.split(",")):
            raise ValueError("must be a DN such as ou=people or dc=example,dc=no")
        return value

    @property
    def use_ssl(self) -> bool:
        return urlsplit(self.url).scheme == "ldaps"

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or (636 if self.use_ssl else 389)
