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

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


GoType = Literal["a", "b", "u"]
FsType = Literal["prg", "str", "kull"]
GO_TYPES: dict[str, GoType] = {"basisgruppe": "b", "klasse": "b", "undervisningsgruppe": "u", "kontaktlarergruppe": "a"}
FS_TYPES: dict[str, FsType] = {"studieprogram": "prg", "studieretning": "str", "kull": "kull"}


class GoGroups(_Frozen):
    """Primary and secondary school: the school owner, its schools and the GO groups (FINT)."""

    realm: str | None = None  # the school owner's Feide realm; None: from the members' Feide names
    org_name: str | None = None  # fc:org displayName; None: the owner organisation's displayName
    org_type: list[str] = Field(default_factory=lambda: ["upper_secondary_owner"])
    organisation_type_attribute: str = "type"
    owner_types: list[str] = Field(default_factory=lambda: ["skoleeier"])
    school_types: list[str] = Field(default_factory=lambda: ["skole"])
    school_orgnr_attribute: str = "basOrgNumber"
    type_attribute: str = "type"
    go_types: dict[str, GoType] = Field(default_factory=lambda: dict(GO_TYPES))
    unit_group_types: list[str] = Field(default_factory=lambda: ["orgUnitGroup"])  # members of a school
    local_id_attribute: str = "basSASID"
    name_attributes: list[str] = Field(default_factory=lambda: ["basShortName", "displayName"])
    start_attribute: str = "basStartDate"
    end_attribute: str = "basEndDate"
    school_attribute: str = "basOrgUnitRef"  # the group's school (a metaverse organisation id)
    grep_code_attribute: str = "grepCode"
    grep_name_attribute: str = "subject"
    primary_school_name_attribute: str = "company"  # person: the primary school's name (VIGO-BAS setCompany)


class FsGroups(_Frozen):
    """Higher education: the institution and its FS groups."""

    realm: str | None = None  # None: from the members' Feide names
    org_name: str | None = None  # fc:org displayName; None: the realm
    org_type: list[str] = Field(default_factory=lambda: ["higher_education"])
    type_attribute: str = "groupType"
    fs_types: dict[str, FsType] = Field(default_factory=lambda: dict(FS_TYPES))
    code_attribute: str = "code"  # prg: KODE, str: PROG,KODE, kull: PROG,YYYY,TERM
    programme_attribute: str = "programme"
    name_attribute: str = "name"
    emne_from_exams: bool = True  # exams (FS exam keys) → fc:fs:emne, their candidates its students
    emne_subject_relation: str | None = "vurdering"  # the candidates come from exam registrations
    urls: dict[str, str] = Field(default_factory=dict)  # Feide type → URL template, {realm} {code} {code_lower}


class RoleMap(_Frozen):
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
    fsroles: dict[str, list[str]] = Field(default_factory=lambda: {"student": ["STUDENT"]})


class GroupsApiConfig(_Frozen):
    """The Feide-compatible groups API served by ``edusync serve`` (docs/groups-api.md)."""

    go: GoGroups = GoGroups()
    fs: FsGroups = FsGroups()
    roles: RoleMap = RoleMap()
    refresh_seconds: Annotated[float, Field(ge=0, le=3600)] = 10.0  # how often to look for a newer metaverse
    time_zone: str = "Europe/Oslo"  # dates in the metaverse are local dates here

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value
