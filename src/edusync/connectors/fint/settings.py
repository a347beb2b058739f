"""Settings of the FINT connector: where FINT is, how to log in, and the agent's import filters."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr

Codes = list[str]


class Filters(BaseModel):
    """The agent's filter criteria (VIGO-BAS: set by the county in the agent's config).

    Each list holds codes (``kode`` of the FINT code list). ``include`` empty means all
    codes pass; a code in ``exclude`` never passes.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    elevkategori_include: Codes = Field(default_factory=list)
    elevkategori_exclude: Codes = Field(default_factory=list)
    personalressurskategori_include: Codes = Field(default_factory=list)
    personalressurskategori_exclude: Codes = Field(default_factory=list)
    arbeidsforholdstype_include: Codes = Field(default_factory=list)
    arbeidsforholdstype_exclude: Codes = Field(default_factory=list)
    stillingskode_include: Codes = Field(default_factory=list)
    stillingskode_exclude: Codes = Field(default_factory=list)


class FintSettings(BaseModel):
    """How to reach one county's FINT API."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str = Field(description="e.g. https://api.felleskomponent.no")
    token_url: str = Field(default="https://idp.felleskomponent.no/nidp/oauth/nam/token")
    client_id: str
    client_secret: SecretStr
    username: str
    password: SecretStr
    scope: str = "fint-client"
    #: ``v3`` reads /utdanning/elev/basisgruppe, ``v4`` /utdanning/elev/klasse.
    model_version: str = Field(default="v3", pattern="^v[34]$")
    timeout_s: Annotated[float, Field(gt=0)] = 60.0
    retries: Annotated[int, Field(ge=0, le=20)] = 5
    backoff_s: Annotated[float, Field(ge=0)] = 0.5
    #: Concurrent requests (pages of one collection, linked objects).
    parallel: Annotated[int, Field(ge=1, le=32)] = 4
    #: Rows per page; 0 reads each collection in one response. Smaller pages keep a county's
    #: read under 2 GB: the pages in flight are parsed whole while the slim graph grows.
    page_size: Annotated[int, Field(ge=0)] = 5_000
    #: The county's Feide realm (e.g. ``fjordheimfk.no``), given to rules as ``FeideRealm`` on every person.
    feide_realm: str | None = None
    filters: Filters = Field(default_factory=Filters)
    #: Seconds between polls of an asynchronous write's status, and how many polls before giving up.
    write_poll_s: Annotated[float, Field(ge=0)] = 0.2
    write_max_polls: Annotated[int, Field(ge=1)] = 50
