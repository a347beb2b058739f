"""Settings of the FINT connector: where FINT is, how to log in, and the agent's import filters."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

Codes = list[str]
#: The classes the connector reads, by the names ``optional`` uses (see graph.resources).
CLASSES = (
    "skole", "organisasjonselement", "arstrinn", "skolear", "elevkategori", "fag", "stillingskode",
    "arbeidsforholdstype", "personalressurskategori", "basisgruppe", "kontaktlarergruppe", "undervisningsgruppe",
    "skoleressurs", "undervisningsforhold", "personalressurs", "arbeidsforhold", "ansattperson", "elev",
    "elevperson", "elevforhold", "basisgruppemedlemskap", "kontaktlarergruppemedlemskap",
    "undervisningsgruppemedlemskap",
)  # fmt: skip
#: VIGO-BAS reads on without these: code lists only filters use, and descriptions of groups.
OPTIONAL = ("arstrinn", "skolear", "elevkategori", "fag", "stillingskode", "arbeidsforholdstype",
            "personalressurskategori")  # fmt: skip


class Filters(BaseModel):
    """The agent's filter criteria (VIGO-BAS: set by the county in the agent's config).

    Each list holds codes (``kode`` of the FINT code list). ``include`` empty means all
    codes pass; a code in ``exclude`` never passes.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    elevkategori_include: Codes = Field(default_factory=list)
    """A pupil's enrolment (elevforhold) counts when its elevkategori is one of these; empty: any category."""
    elevkategori_exclude: Codes = Field(default_factory=list)
    """An enrolment whose elevkategori is one of these never counts."""
    personalressurskategori_include: Codes = Field(default_factory=list)
    """An employment counts when its staff member's personalressurskategori is one of these; empty: any."""
    personalressurskategori_exclude: Codes = Field(default_factory=list)
    """An employment whose staff member's personalressurskategori is one of these never counts."""
    arbeidsforholdstype_include: Codes = Field(default_factory=list)
    """An employment (arbeidsforhold) counts when its arbeidsforholdstype is one of these; empty: any type."""
    arbeidsforholdstype_exclude: Codes = Field(default_factory=list)
    """An employment whose arbeidsforholdstype is one of these never counts."""
    stillingskode_include: Codes = Field(default_factory=list)
    """An employment counts when its stillingskode is one of these; empty: any code."""
    stillingskode_exclude: Codes = Field(default_factory=list)
    """An employment whose stillingskode is one of these never counts."""


class FintSettings(BaseModel):
    """How to reach one county's FINT API."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    base_url: str
    """The county's FINT API, such as ``https://api.felleskomponent.no``."""
    token_url: str = Field(default="https://idp.felleskomponent.no/nidp/oauth/nam/token")
    """FINT's OAuth token endpoint; the default is FINT's production identity provider."""
    client_id: str
    """The OAuth client id of the county's FINT client (from FINT's customer portal)."""
    client_secret: SecretStr
    """That client's secret, only as an ``${ENV}`` reference."""
    username: str
    """The FINT client's username (the password grant logs in as the client)."""
    password: SecretStr
    """Its password, only as an ``${ENV}`` reference."""
    scope: str = "fint-client"
    """The OAuth scope asked for; FINT's clients use ``fint-client``."""
    model_version: str = Field(default="v3", pattern="^v[34]$")
    """FINT's information model: ``v3`` reads classes from /utdanning/elev/basisgruppe, ``v4`` from
    /utdanning/elev/klasse."""
    timeout_s: Annotated[float, Field(gt=0)] = 60.0
    """Seconds to wait for one answer (a page of a large collection can take a while)."""
    retries: Annotated[int, Field(ge=0, le=20)] = 5
    """Extra attempts after a timeout, a dropped connection or a 5xx answer."""
    backoff_s: Annotated[float, Field(ge=0)] = 0.5
    """Seconds before the first retry, doubling with each one after."""
    parallel: Annotated[int, Field(ge=1, le=32)] = 4
    """Requests in flight at once (pages of one collection, linked objects); more is faster and loads FINT more."""
    page_size: Annotated[int, Field(ge=0)] = 5_000
    """Rows per page; ``0`` reads each collection in one response. Smaller pages keep a county's read under 2 GB of
    memory, since every page in flight is parsed whole."""
    feide_realm: str | None = None
    """The county's Feide realm (``fjordheimfk.no``), given to rules as ``FeideRealm`` on every person; unset: none."""
    filters: Filters = Field(default_factory=Filters)
    """Which pupils, staff and employments are read; the default reads everyone."""
    write_poll_s: Annotated[float, Field(ge=0)] = 0.2
    """Seconds between polls of a write's status: FINT accepts a write (202) and says later whether it went through."""
    write_max_polls: Annotated[int, Field(ge=1)] = 50
    """Polls before a write that is still pending counts as failed."""
    delta_overlap_ms: Annotated[int, Field(ge=0)] = 1_000
    """Milliseconds a delta reads back before the last watermark. FINT's docs say a delta holds what changed
    *later than* ``sinceTimeStamp`` and its consumer returns what changed *at or after* it; reading with an
    overlap (and counting an object read twice once) loses a change under either."""
    optional: list[str] = Field(default_factory=lambda: list(OPTIONAL))
    """Collections the profile can do without, by class name (``fag``, ``elevkategori``): one the client may not
    read (403) or no adapter serves (404) is a warning in the run report. Every other collection the connector reads
    is required, and its absence stops the import with an error naming it (docs/vigobas.md lists them)."""

    @field_validator("optional")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        unknown = sorted(set(names) - set(CLASSES))
        if unknown:
            raise ValueError(f"unknown FINT classes {unknown}; known: {', '.join(CLASSES)}")
        return names
