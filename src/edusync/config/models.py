"""The configuration schema: :class:`Config`, the whole file, and its smaller blocks.

Each component has one frozen model; the rules live in :mod:`edusync.config.rules` and the
targets in :mod:`edusync.config.targets` (their names are importable from here too). Connector
``settings`` are validated later, by the connector's own model (see :mod:`edusync.config.loader`),
because only the connector knows its settings.
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from edusync.config.console import ConsoleConfig
from edusync.config.groupsapi import GroupsApiConfig
from edusync.config.notify import NotifyConfig
from edusync.config.rules import (
    ArchiveRelease,
    Condition,
    Deprovision,
    Flow,
    Frozen,
    JoinRule,
    ProvisionRule,
    SyncRule,
)
from edusync.config.schedules import Schedule
from edusync.config.targets import Limit, OpName, PauseWindow, Rollover, TargetConfig, TargetMail, parse_day

__all__ = [
    "ArchiveRelease",
    "Condition",
    "Config",
    "ConnectorConfig",
    "Deprovision",
    "Flow",
    "Frozen",
    "InputSanity",
    "JoinRule",
    "LifecyclePolicy",
    "Limit",
    "MailServer",
    "ObjectTypeOptions",
    "OpName",
    "PauseWindow",
    "ProvisionRule",
    "Rollover",
    "SafetyConfig",
    "StorageConfig",
    "SyncRule",
    "TargetConfig",
    "TargetMail",
    "parse_day",
]

_NAME = r"^[a-z][a-z0-9_-]*$"


class LifecyclePolicy(Frozen):
    """How long a metaverse object waits before it is disabled, and how long the trash keeps it."""

    grace_days: Annotated[int, Field(ge=0)] = 0
    """Days an object no source gives any more stays in grace, still sent to the targets, before it is disabled
    (the trash), so one bad night removes nobody; ``0``: disabled on the first run that misses it."""
    retention_days: Annotated[int, Field(ge=0)] = 90
    """Days a disabled object stays in the trash, restorable with ``edusync trash restore``, before everything
    personal about it is purged."""


class RevertConfig(Frozen):
    """How long edusync keeps what each target held before a change, so that ``edusync revert`` can put it back."""

    retention_days: Annotated[int, Field(ge=0)] = 35
    """Days each planned change keeps the value the target held before it (docs/revert.md); a run older than
    this can no longer be reverted, and its changes' prior values are cleared at the target's next export.
    ``0``: kept only until the next export of that target (a run can then not be reverted at all)."""


class ObjectTypeOptions(Frozen):
    """Per source object type: deprovisioning and the input sanity limit."""

    deprovision: Deprovision = "disconnect"
    """What a metaverse object goes through when this source drops it or it fails the criteria: ``disconnect``
    (this source's values are recalled; the lifecycle starts when no source is left), ``soft_delete`` (straight
    to the trash), ``delete`` (purged at once), ``archive`` or ``keep`` (as if the source still had it)."""
    max_loss_percent: Annotated[float, Field(ge=0, le=100)] | None = None
    """This type's own input sanity limit (percent of its objects a full import may lose); unset: the one under
    ``safety.input``."""


class ConnectorConfig(Frozen):
    """One connector: its type, its settings, and what happens to its object types' objects."""

    type: str
    """An installed connector type (``files``, ``fint``, ``pifu-xml``…); an unknown one is an error naming those
    installed."""
    settings: dict[str, Any] = Field(default_factory=dict)
    """The connector's settings, checked by its type's own model (docs/configuration.md lists each type's)."""
    object_types: dict[str, ObjectTypeOptions] = Field(default_factory=dict)
    """Options per source object type (``person``, ``group``…); a type left out takes the defaults."""


class InputSanity(Frozen):
    """Checks on a full import before anything is planned as gone: a broken export must not empty the targets."""

    max_loss_percent: Annotated[float, Field(ge=0, le=100)] = 20.0
    """A full import that lost more than this percentage of a type's objects blocks the run until approved."""
    block_empty: bool = True
    """A full import with no objects of a type that had some blocks, whatever ``max_loss_percent`` says."""
    max_drift_percent: Annotated[float, Field(ge=0, le=100)] | None = 20.0
    """Slow loss: a full import that holds this percentage fewer of a type's objects than its baseline blocks,
    however small each night's own loss was. The baseline is the largest count within ``drift_window_days``,
    counted again from the count a person last approved. Unset: no drift check."""
    drift_window_days: Annotated[int, Field(ge=1, le=366)] = 14
    """How many days back the drift baseline looks (a school's term start grows a county again within days)."""
    max_vanish_percent: Annotated[float, Field(ge=0, le=100)] = 20.0
    """An attribute that one import removes from more than this percentage of a type's objects (a CSV without
    its ``fnr`` column) blocks like a mass delete."""


class SafetyConfig(Frozen):
    """The safety checks on the sources (each target has its own ``thresholds``)."""

    input: InputSanity = InputSanity()
    """The input sanity check on every full import."""
    national_id_attributes: list[str] = Field(
        default_factory=lambda: ["nin", "fnr", "fodselsnummer", "nationalId", "personNIN", "norEduPersonNIN"]
    )
    """Attributes that hold a fødselsnummer, as the targets' outbound flows name them: a value under one that is
    not a valid number is left out of what is sent (and named in the report), never sent to a target."""


class StorageConfig(Frozen):
    """Where edusync keeps its own database: the metaverse, the run history, the trash."""

    url: str = "sqlite:///edusync.db"
    """An SQLAlchemy URL; a relative SQLite path is relative to the config's folder. The environment variable
    ``EDUSYNC_DATABASE_URL`` overrides it (``postgresql://edusync@db.example/edusync``)."""
    key_file: Path | None = None
    """The file with the keys that seal national ids and other sensitive values at rest, and the join-key
    secret (relative to the config's folder; keep it apart from the database and its backups, mode 600).
    ``$EDUSYNC_KEYS`` (the keys themselves) or ``$EDUSYNC_KEY_FILE`` override it; the keys are never in the
    config. Unset and no variable: a run that would store a sensitive value stops, naming it."""
    sensitive: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    """More attribute names (source, metaverse or target side) whose values are stored sealed, besides the
    built-in ones (``fnr``, ``nin``, ``fodselsnummer``, ``personNIN``, ``norEduPersonNIN``, …) and every value of
    eleven digits."""


class MailServer(Frozen):
    """The SMTP server the targets' status mails go through."""

    host: str = Field(min_length=1)
    """The server's host name."""
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    """The server's port: 587 for ``starttls``, 465 for ``tls``."""
    security: Literal["starttls", "tls", "none"] = "starttls"
    """``starttls`` (upgrade after connecting), ``tls`` (implicit TLS) or ``none`` (a relay on the local network);
    with TLS the server's certificate is checked."""
    username: str | None = None
    """The login; unset: no login (then no ``password`` either)."""
    password: SecretStr | None = None
    """The login's password, only as an ``${ENV}`` reference."""
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    """The From address of the mails."""
    ca_file: Path | None = None
    """A PEM file with a private CA, trusted besides the system's; unset: the system's only."""
    timeout: Annotated[float, Field(gt=0)] = 30.0
    """Seconds to wait for the server; a mail that cannot be sent becomes a warning, never a failed run."""

    @model_validator(mode="after")
    def _login(self) -> MailServer:
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        return self


class Config(Frozen):
    """The whole configuration file."""

    version: Literal[1] = 1
    """The format of this file; ``1`` is the only one so far."""
    storage: StorageConfig = StorageConfig()
    """edusync's own database."""
    connectors: dict[Annotated[str, Field(pattern=_NAME)], ConnectorConfig]
    """The systems edusync reads and writes, by a name of your choosing (lower case, digits, ``-``, ``_``) that
    profiles, sync rules and targets use."""
    sync: list[SyncRule] = Field(default_factory=list)
    """One rule per source object type, run in this order (persons before the memberships that refer to them)."""
    lifecycle: dict[str, LifecyclePolicy] = Field(default_factory=dict)
    """Grace and retention per metaverse type; a type left out has no grace and 90 days in the trash."""
    targets: dict[str, TargetConfig] = Field(default_factory=dict)
    """What each target connector (by its name under ``connectors``) receives."""
    safety: SafetyConfig = SafetyConfig()
    """The input sanity check on the sources."""
    revert: RevertConfig = RevertConfig()
    """Undoing a run at its targets (``edusync revert``, docs/revert.md)."""
    profiles: dict[str, list[str]]
    """Named runs, each a list of steps in order: ``NAME:import``, ``NAME:import-delta``, ``sync``, ``lifecycle``,
    ``NAME:export``, where NAME is a connector."""
    schedules: dict[str, Schedule] = Field(default_factory=dict)
    """When profiles start by themselves, by profile name (docs/scheduling.md); a profile left out runs only when
    started (``edusync run``, the console)."""
    default_profile: str | None = None
    """The profile ``edusync run`` runs when none is named; unset: the first under ``profiles``."""
    groups_api: GroupsApiConfig = GroupsApiConfig()
    """The Feide-compatible groups API of ``edusync serve``."""
    console: ConsoleConfig = ConsoleConfig()
    """The operations console and REST API of ``edusync serve`` (docs/console.md)."""
    timezone: str = "Europe/Oslo"
    """The time zone whose local date decides pause windows and the school year, and in which mails give times."""
    mail: MailServer | None = None
    """The SMTP server, needed when a target has ``mail`` or ``notify`` names someone; unset: no mails at all."""
    notify: NotifyConfig = NotifyConfig()
    """Mails to approvers (a blocked run), operators (a failed run) and about stale targets (docs/daemon.md)."""

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _mail_server(self) -> Config:
        mailed = [name for name, tc in self.targets.items() if tc.mail is not None]
        if mailed and self.mail is None:
            raise ValueError(f"targets {', '.join(mailed)} send status mail: configure the SMTP server under 'mail'")
        if self.notify.wanted and self.mail is None:
            raise ValueError("notify names people to mail: configure the SMTP server under 'mail'")
        return self

    @model_validator(mode="after")
    def _scheduled_profiles(self) -> Config:
        unknown = sorted(set(self.schedules) - set(self.profiles))
        if unknown:
            raise ValueError(f"schedules name profiles that do not exist: {', '.join(unknown)}")
        return self

    def lifecycle_for(self, metaverse_type: str) -> LifecyclePolicy:
        return self.lifecycle.get(metaverse_type, LifecyclePolicy())

    def object_options(self, connector: str, object_type: str) -> ObjectTypeOptions:
        return self.connectors[connector].object_types.get(object_type, ObjectTypeOptions())

    def profile(self, name: str | None) -> tuple[str, list[str]]:
        chosen = name or self.default_profile or next(iter(self.profiles))
        return chosen, self.profiles[chosen]
