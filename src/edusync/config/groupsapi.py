"""The ``groups_api:`` block: which metaverse objects become which Feide group types.

Every field has a default that fits both shipped profiles: ``vigobas`` (FINT
groups → ``fc:gogroup``, schools → ``fc:orgunit``, the county → ``fc:org``) and
``fs-wiseflow`` (FS study programmes, directions and cohorts → ``fc:fs:prg``,
``fc:fs:str``, ``fc:fs:kull``; exams and their candidates → ``fc:fs:emne``). A
realm left out is taken from the data: the realm most members' Feide names have.
"""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from edusync.config.rules import Frozen

GoType = Literal["a", "b", "u"]
FsType = Literal["prg", "str", "kull"]
GO_TYPES: dict[str, GoType] = {"basisgruppe": "b", "klasse": "b", "undervisningsgruppe": "u", "kontaktlarergruppe": "a"}
FS_TYPES: dict[str, FsType] = {"studieprogram": "prg", "studieretning": "str", "kull": "kull"}


class GoGroups(Frozen):
    """Primary and secondary school: the school owner, its schools and the GO groups (FINT)."""

    realm: str | None = None
    """The school owner's Feide realm (``fjordheimfk.no``) in every group id; unset: the realm most members' Feide
    names have."""
    org_name: str | None = None
    """The ``fc:org`` group's displayName; unset: the displayName of the organisation of an ``owner_types`` type."""
    org_type: list[str] = Field(default_factory=lambda: ["upper_secondary_owner"])
    """The ``fc:org`` group's ``orgType`` (Feide's organisation types)."""
    organisation_type_attribute: str = "type"
    """The attribute of a metaverse organisation that says whether it is the school owner or a school."""
    owner_types: list[str] = Field(default_factory=lambda: ["skoleeier"])
    """Values of that attribute that mark the school owner."""
    school_types: list[str] = Field(default_factory=lambda: ["skole"])
    """Values of that attribute that mark a school, served as an ``fc:orgunit``."""
    school_orgnr_attribute: str = "basOrgNumber"
    """The attribute with a school's organisation number (9 digits); a school without one is left out."""
    type_attribute: str = "type"
    """The attribute of a metaverse group whose value, looked up in ``go_types``, makes it a GO group."""
    go_types: dict[str, GoType] = Field(default_factory=lambda: dict(GO_TYPES))
    """Group type → GO type: ``b`` (basisgruppe), ``u`` (undervisningsgruppe) or ``a`` (andre grupper)."""
    unit_group_types: list[str] = Field(default_factory=lambda: ["orgUnitGroup"])
    """Group types that are no GO group but say who belongs to a school (its ``fc:orgunit``)."""
    local_id_attribute: str = "basSASID"
    """The attribute with a group's local id, part of its GO id; a GO group without one is left out."""
    name_attributes: list[str] = Field(default_factory=lambda: ["basShortName", "displayName"])
    """The attributes tried in order for a GO group's displayName; when all are empty, its local id."""
    start_attribute: str = "basStartDate"
    """The attribute with a group's first day (``YYYY-MM-DD``): part of its id, and its ``notBefore``."""
    end_attribute: str = "basEndDate"
    """The attribute with a group's last day: part of its id, and its ``notAfter``; a GO group needs both dates."""
    school_attribute: str = "basOrgUnitRef"
    """The attribute with a group's school, as the metaverse id of an organisation (a reference flow)."""
    grep_code_attribute: str = "grepCode"
    """The attribute with a teaching group's Grep code, served as ``grep.code``; empty: no ``grep``."""
    grep_name_attribute: str = "subject"
    """The attribute with the Grep subject's name, served as ``grep.displayName``; empty: the code."""
    primary_school_name_attribute: str = "company"
    """The person attribute naming their primary school (VIGO-BAS's setCompany), which decides ``primaryOrgUnit``."""


class FsGroups(Frozen):
    """Higher education: the institution and its FS groups."""

    realm: str | None = None
    """The institution's Feide realm (``uni.example.no``) in every group id; unset: the realm most members' Feide
    names have."""
    org_name: str | None = None
    """The ``fc:org`` group's displayName; unset: the realm."""
    org_type: list[str] = Field(default_factory=lambda: ["higher_education"])
    """The ``fc:org`` group's ``orgType`` (Feide's organisation types)."""
    type_attribute: str = "groupType"
    """The attribute of a metaverse group whose value, looked up in ``fs_types``, makes it an FS group."""
    fs_types: dict[str, FsType] = Field(default_factory=lambda: dict(FS_TYPES))
    """Group type → FS group type: ``prg`` (studieprogram), ``str`` (studieretning) or ``kull``."""
    code_attribute: str = "code"
    """The attribute with a group's FS code: ``KODE`` (prg), ``PROG,KODE`` (str) or ``PROG,YYYY,TERM`` (kull);
    a group without one is left out."""
    programme_attribute: str = "programme"
    """Not read yet: a kull's programme is taken from its code."""
    name_attribute: str = "name"
    """The attribute with a group's displayName; empty: its code."""
    emne_from_exams: bool = True
    """Serve each exam (by its FS exam key) as an ``fc:fs:emne`` group with its candidates as students."""
    emne_subject_relation: str | None = "vurdering"
    """An emne membership's ``subjectRelations``: ``vurdering``, as the candidates come from exam registrations;
    unset: none."""
    urls: dict[str, str] = Field(default_factory=dict)
    """Feide group type → a template for the group's ``url``, with ``{realm}``, ``{code}`` and ``{code_lower}``;
    a type left out has no url."""


class RoleMap(Frozen):
    """How a membership's ``role`` reads in Feide."""

    affiliations: dict[str, str] = Field(
        default_factory=lambda: {
            "elev": "student",
            "student": "student",
            "lærer": "faculty",
            "larer": "faculty",
            "faculty": "faculty",
            "ansatt": "employee",
            "employee": "employee",
            "staff": "staff",
        }
    )
    """A membership's ``role`` (in lower case) → its Feide affiliation; a role left out is ``member``."""
    fsroles: dict[str, list[str]] = Field(default_factory=lambda: {"student": ["STUDENT"]})
    """Affiliation → an FS membership's ``fsroles``; an affiliation left out: its role in capitals."""


class GroupsApiConfig(Frozen):
    """The Feide-compatible groups API served by ``edusync serve`` (docs/groups-api.md)."""

    go: GoGroups = GoGroups()
    """The school owner, its schools and the GO groups."""
    fs: FsGroups = FsGroups()
    """The institution and its FS groups."""
    roles: RoleMap = RoleMap()
    """How memberships read in Feide."""
    refresh_seconds: Annotated[float, Field(ge=0, le=3600)] = 10.0
    """Seconds between looks for a newer metaverse (a run, a restore), so a change shows within this time."""
    time_zone: str = "Europe/Oslo"
    """The zone of the metaverse's dates (they are local dates), for Feide's UTC ``notBefore`` and ``notAfter``."""

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value
