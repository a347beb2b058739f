"""Settings of the ``ldap`` target connector (one frozen model, checked at start)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class LdapSettings(BaseModel):
    """Where the catalogue is, how to bind, and how its tree is laid out."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    url: str
    """The server, ``ldap://host[:port]`` or ``ldaps://host[:port]`` (TLS from the start; port 636 by default)."""
    bind_dn: str
    """The DN edusync binds as; it needs to add, modify, move and delete entries under ``base_dn``."""
    bind_password: SecretStr
    """Its password, only as an ``${ENV}`` reference."""
    base_dn: str
    """The DN everything edusync writes is under (``dc=fylke,dc=no``)."""
    people: str = "ou=people"
    """The container of persons, as RDNs relative to ``base_dn``."""
    organisations: str = "ou=organisations"
    """The container of organisations, relative to ``base_dn``."""
    units: str = "ou=units"
    """The container of organisational units (schools), relative to ``base_dn``."""
    trash: str = "ou=trash"
    """The container soft-deleted entries are moved to (restorable, out of sight of searches under the others)."""
    soft_delete: Literal["move", "delete"] = "move"
    """What a soft delete does: ``move`` the entry to ``trash``, or ``delete`` it outright."""
    start_tls: bool = False
    """Upgrade an ``ldap://`` connection with StartTLS; the server's certificate is checked either way TLS is used."""
    ca_file: Path | None = None
    """A PEM file with the CA that signed the server's certificate; unset: the system's CAs."""
    connect_timeout: float = Field(default=10.0, gt=0, le=300)
    """Seconds to wait for the connection."""
    timeout: float = Field(default=30.0, gt=0, le=3600)
    """Seconds to wait for the answer to one operation."""
    page_size: int = Field(default=500, ge=1, le=10_000)
    """Entries per page when edusync reads entries back from the catalogue; keep it within the server's size
    limit."""
    create_containers: bool = True
    """Create missing containers (``people``… and their trash) as ``organizationalUnit`` entries; ``false``: they
    must exist."""

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
