"""The ``console:`` block: the operations console and its REST API, as ``edusync serve`` runs them.

Sign-in is with local accounts (``edusync users create``) or OpenID Connect (Feide, Entra ID);
every secret is read from the environment, never from this file.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from edusync.config.rules import Frozen

Role = Literal["viewer", "operator", "approver", "admin"]
Language = Literal["nb", "en"]


class OidcConfig(Frozen):
    """Sign-in with an OpenID Connect provider (the authorisation code flow, with PKCE)."""

    issuer: str
    """The provider's issuer URL; its ``/.well-known/openid-configuration`` is read, and an ID token from any
    other issuer is refused (Feide: ``https://auth.dataporten.no``)."""
    client_id: str
    """The client id the provider gave edusync."""
    client_secret_env: str = "EDUSYNC_OIDC_CLIENT_SECRET"  # noqa: S105  (a variable's name)
    """The environment variable holding the client secret."""
    scopes: list[str] = Field(default_factory=lambda: ["openid", "profile", "email"])
    """The scopes asked for."""
    username_claim: str = "email"
    """The ID token claim that names the user (``email``, ``preferred_username``, Feide's
    ``https://n.feide.no/claims/eppn``); the user's edusync account has this name."""
    roles_claim: str | None = None
    """An ID token claim listing the user's groups or roles, read through ``role_map``; unset: the roles of the
    user's edusync account only."""
    role_map: dict[str, list[Role]] = Field(default_factory=dict)
    """A value of ``roles_claim`` → the edusync roles it gives."""
    default_roles: list[Role] = Field(default_factory=list)
    """Roles given to a user who signs in for the first time with no role from ``role_map``; empty: such a user
    is refused until an admin gives them a role (``edusync users create NAME --role ...``)."""
    label: str = "OpenID Connect"
    """The sign-in button's text (``Feide``, ``Entra ID``)."""


class ConsoleConfig(Frozen):
    """The operations console (web UI), its REST API (``/api/v1``) and the groups API served beside them."""

    base_path: str = ""
    """The path everything is served under behind a reverse proxy (``/edusync``); empty: the root."""
    web: bool = True
    """Serve the web UI."""
    api: bool = True
    """Serve the REST API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``)."""
    groups_api: bool = True
    """Serve the Feide-compatible groups API under ``/groups``."""
    public_url: str | None = None
    """The address people use (``https://edusync.example.no/edusync``), for OpenID Connect's redirect and secure
    cookies; unset: the address the request came to."""
    secret_env: str = "EDUSYNC_CONSOLE_SECRET"  # noqa: S105  (a variable's name)
    """The environment variable holding the key that signs session cookies; unset there: a random key per process
    (everyone signs in again after a restart)."""
    session_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] = 480
    """Minutes a sign-in lasts; the session cookie is refused after that."""
    four_eyes: bool = True
    """An approver may not approve a change set their own action caused (a run, retry or restore they started)."""
    language: Language = "nb"
    """The language of a user who has not chosen one: ``nb`` (bokmål) or ``en``."""
    page_size: Annotated[int, Field(ge=1, le=1000)] = 50
    """Rows per page in lists; an API call may ask for up to 500."""
    oidc: OidcConfig | None = None
    """Sign-in with OpenID Connect; unset: local accounts only."""
    national_id_search_roles: list[Role] = Field(default_factory=lambda: list[Role](["approver", "admin"]))
    """The roles that may find a person by fødselsnummer in the console's search (matched through the join keys'
    keyed hash, audited with the number masked, never shown back); anyone else is refused (403). A bearer token
    counts as the role its scope stands for (``console:read`` viewer, ``console:operate`` operator,
    ``console:approve`` approver). Empty: nobody."""

    @field_validator("base_path")
    @classmethod
    def _path(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith("/"):
            raise ValueError(f"base_path {value!r} must start with '/'")
        return value
