"""The configuration schema.

Each component has one frozen model. Connector ``settings`` are validated later,
by the connector's own model (see :mod:`edusync.config.loader`), because only the
connector knows its settings.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from edusync.config.groupsapi import GroupsApiConfig
from edusync.model.records import State

_NAME = r"^[a-z][a-z0-9_-]*$"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Deprovision = Literal["disconnect", "soft_delete", "delete", "archive", "keep"]


class Condition(Frozen):
    """One test on an attribute, or a named rule function that returns true or false.

    Exactly one of ``equals``, ``in``, ``not_in``, ``present``, ``matches`` or ``rule`` is given.
    """

    attribute: str | None = None
    equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    not_in: list[Any] | None = None
    present: bool | None = None
    matches: str | None = None
    rule: str | None = None
    args: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [self.equals, self.in_, self.not_in, self.present, self.matches, self.rule]
        given = sum(t is not None for t in tests)
        if given != 1:
            raise ValueError("give exactly one of equals, in, not_in, present, matches, rule")
        if self.rule is None and not self.attribute:
            raise ValueError("'attribute' is required unless 'rule' is given")
        if self.matches is not None:
            re.compile(self.matches)
        return self


class Flow(Frozen):
    """Source attribute(s) to one destination attribute: direct, constant, rule or reference."""

    to: str
    from_: str | list[str] | None = Field(default=None, alias="from")
    constant: Any = None
    rule: str | None = None
    ref: str | None = None
    precedence: int = 100

    @property
    def sources(self) -> list[str]:
        if self.from_ is None:
            return []
        return [self.from_] if isinstance(self.from_, str) else list(self.from_)

    @property
    def kind(self) -> str:
        if self.constant is not None:
            return "constant"
        if self.rule is not None:
            return "rule"
        if self.ref is not None:
            return "ref"
        return "direct"

    @model_validator(mode="after")
    def _shape(self) -> Flow:
        if self.constant is not None and (self.from_ is not None or self.rule or self.ref):
            raise ValueError("a constant flow takes no 'from', 'rule' or 'ref'")
        if self.constant is None and self.from_ is None:
            raise ValueError("'from' is required unless 'constant' is given")
        if self.kind in ("direct", "ref") and len(self.sources) != 1:
            raise ValueError("a direct or reference flow takes exactly one 'from' attribute")
        return self


class JoinRule(Frozen):
    """Match a staged object to an existing metaverse object: source attribute → metaverse attribute."""

    match: dict[str, str]

    @field_validator("match")
    @classmethod
    def _not_empty(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("a join rule needs at least one attribute pair")
        return value


class SyncRule(Frozen):
    """How one source object type becomes metaverse objects (criteria, join, projection, flows)."""

    connector: str
    object_type: str
    metaverse_type: str
    criteria: list[Condition] = Field(default_factory=list)
    join: list[JoinRule] = Field(default_factory=list)
    project: bool = True
    flows: list[Flow] = Field(default_factory=list)


class LifecyclePolicy(Frozen):
    """How long a metaverse object waits before it is disabled, and how long the trash keeps it."""

    grace_days: Annotated[int, Field(ge=0)] = 0
    retention_days: Annotated[int, Field(ge=0)] = 90


class Limit(Frozen):
    """A threshold: more than ``max_count`` or ``max_percent`` blocks (percent of objects before)."""

    max_count: Annotated[int, Field(ge=0)] | None = None
    max_percent: Annotated[float, Field(ge=0, le=100)] | None = None
    ignore_below: Annotated[int, Field(ge=0)] = 10


OpName = Literal["add", "update", "delete", "restore", "archive"]


def _default_thresholds() -> dict[str, dict[OpName, Limit]]:
    return {"*": {"delete": Limit(max_percent=10)}}


class ArchiveRelease(Frozen):
    """Members of a group the target archived are released: itslearning makes them manual members.

    ``ref`` is the attribute (after the flows) that holds the group's key and ``object_type``
    the target object type it points at. A released member is forgotten, never deleted, and
    nothing more is sent for members of an archived group.
    """

    ref: str = "group"
    object_type: str = "group"


class ProvisionRule(Frozen):
    """Which metaverse objects a target gets (scope) and how they look there (flows)."""

    metaverse_type: str
    object_type: str
    scope: list[Condition] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    states: list[State] = Field(default_factory=lambda: [State.ACTIVE, State.GRACE, State.ARCHIVED])
    deprovision: Deprovision = "soft_delete"
    #: False: an object the target archived stays archived when it reappears (itslearning's courses).
    restore_archived: bool = True
    release_when_archived: ArchiveRelease | None = None


_MONTH_DAY = re.compile(r"^(?:(\d{4})-)?(\d{2})-(\d{2})$")


def parse_day(value: str) -> tuple[int | None, int, int]:
    """``MM-DD`` (every year) or ``YYYY-MM-DD`` (that day only) -> (year or None, month, day)."""
    match = _MONTH_DAY.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not MM-DD or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert month is not None and day is not None
    dt.date(year or 2000, month, day)  # 2000 is a leap year, so 02-29 passes as a yearly day
    return year, month, day


class PauseWindow(Frozen):
    """Days (inclusive, in the config's time zone) on which nothing is sent to the target.

    ``MM-DD`` repeats every year (``06-20`` to ``08-10``; a window may run over new year);
    ``YYYY-MM-DD`` is that day only. Both ends use the same form.
    """

    from_: str = Field(alias="from")
    to: str
    reason: str = ""

    @model_validator(mode="after")
    def _days(self) -> PauseWindow:
        start, end = parse_day(self.from_), parse_day(self.to)
        if (start[0] is None) != (end[0] is None):
            raise ValueError("'from' and 'to' must both be MM-DD or both be YYYY-MM-DD")
        if start[0] is not None and (start > end):
            raise ValueError("'from' is after 'to'")
        return self


Strategy = Literal["none", "school_year", "hierarchy"]


class Rollover(Frozen):
    """The school-year change: how keys stay unique across years, and the window it may take.

    ``keys``: ``school_year`` gives objects of ``object_types`` a key per school year
    (``<id>.2026-27``) and rewrites the ``references`` to them; ``hierarchy`` hangs them under
    a node per school year (``<parent>.2026-27``, of type ``node_type``) that is deleted at
    rollover; ``none`` keeps keys as they are. Inside the window (``window_days`` from
    ``starts``) the changes the new year itself makes are not counted by the safety filter
    and ``thresholds`` (when given) replace the target's own.
    """

    starts: str = "08-01"
    window_days: Annotated[int, Field(ge=1, le=366)] = 21
    keys: Strategy = "none"
    object_types: list[str] = Field(default_factory=lambda: ["group"])
    references: list[str] = Field(default_factory=lambda: ["group"])
    parent: str = "parent"
    node_type: str = "organisation"
    node_name: str = "Skoleåret {year}"
    node_attrs: dict[str, Any] = Field(default_factory=dict)
    thresholds: dict[str, dict[OpName, Limit]] | None = None

    @field_validator("starts")
    @classmethod
    def _month_day(cls, value: str) -> str:
        if parse_day(value)[0] is not None:
            raise ValueError("give the first day of a school year as MM-DD")
        return value

    @field_validator("thresholds", mode="before")
    @classmethod
    def _ops(cls, value: Any) -> Any:
        return _itslearning_ops(value)


class TargetMail(Frozen):
    """Who gets the status mail of this target, and after which runs."""

    to: Annotated[list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]], Field(min_length=1)]
    when: Literal["always", "failed"] = "always"


def _itslearning_ops(value: Any) -> Any:
    """itslearning's safety filter says insert; edusync says add."""
    if not isinstance(value, dict):
        return value
    return {
        k: {("add" if op == "insert" else op): v for op, v in ops.items()} if isinstance(ops, dict) else ops
        for k, ops in value.items()
    }


class TargetConfig(Frozen):
    """What one target connector receives and the thresholds that guard it.

    ``on_breach``: ``block`` waits for a person to approve the change set; ``fail`` fails the
    run with nothing sent, as itslearning's safety filter does. ``pause`` windows send nothing.

    ``reconcile``: before each plan, read back every object edusync manages in the target and
    put back (update, or add when gone) those that no longer hold what edusync last sent, such
    as an entry edited by hand. Unset means yes where the connector can read back (capability
    ``reconcile``, e.g. ``ldap``): a catalogue people log in with must not keep a wrong value
    until the source happens to change that person, and the read-back is paged and read-only.
    Set it false where reading the whole target each run costs too much (an hourly run, say);
    true on a connector that cannot read back is an error.
    """

    objects: list[ProvisionRule]
    thresholds: dict[str, dict[OpName, Limit]] = Field(default_factory=_default_thresholds)
    batch_size: Annotated[int, Field(ge=1, le=100_000)] | None = None  # None: the connector's own default
    on_breach: Literal["block", "fail"] = "block"
    pause: list[PauseWindow] = Field(default_factory=list)
    rollover: Rollover | None = None
    mail: TargetMail | None = None
    reconcile: bool | None = None  # None: where the connector can (see above)

    @field_validator("thresholds", mode="before")
    @classmethod
    def _ops(cls, value: Any) -> Any:
        return _itslearning_ops(value)

    @model_validator(mode="after")
    def _known_types(self) -> TargetConfig:
        types = {r.object_type for r in self.objects}
        problems = []
        if self.rollover and self.rollover.keys != "none":
            unknown = [t for t in self.rollover.object_types if t not in types]
            problems += [f"rollover.object_types: {t!r} is not an object type of this target" for t in unknown]
        for i, r in enumerate(self.objects):
            if r.release_when_archived and r.release_when_archived.object_type not in types:
                problems.append(
                    f"objects.{i}.release_when_archived: {r.release_when_archived.object_type!r} "
                    "is not an object type of this target"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ObjectTypeOptions(Frozen):
    """Per source object type: deprovisioning and the input sanity limit."""

    deprovision: Deprovision = "disconnect"
    max_loss_percent: Annotated[float, Field(ge=0, le=100)] | None = None


class ConnectorConfig(Frozen):
    type: str
    settings: dict[str, Any] = Field(default_factory=dict)
    object_types: dict[str, ObjectTypeOptions] = Field(default_factory=dict)


class InputSanity(Frozen):
    """Checks on a full import before anything is planned as gone."""

    max_loss_percent: Annotated[float, Field(ge=0, le=100)] = 20.0
    block_empty: bool = True


class SafetyConfig(Frozen):
    input: InputSanity = InputSanity()


class StorageConfig(Frozen):
    url: str = "sqlite:///edusync.db"


class MailServer(Frozen):
    """The SMTP server status mails go through. ``password`` must be an ``${ENV}`` reference.

    ``security``: ``starttls`` (port 587, the default), ``tls`` (implicit TLS, port 465) or
    ``none`` (a relay on the local network). ``ca_file`` trusts a private CA besides the system's.
    """

    host: str = Field(min_length=1)
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    ca_file: Path | None = None
    timeout: Annotated[float, Field(gt=0)] = 30.0

    @model_validator(mode="after")
    def _login(self) -> MailServer:
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        return self


class Config(Frozen):
    """The whole configuration file."""

    version: Literal[1] = 1
    storage: StorageConfig = StorageConfig()
    connectors: dict[Annotated[str, Field(pattern=_NAME)], ConnectorConfig]
    sync: list[SyncRule] = Field(default_factory=list)
    lifecycle: dict[str, LifecyclePolicy] = Field(default_factory=dict)
    targets: dict[str, TargetConfig] = Field(default_factory=dict)
    safety: SafetyConfig = SafetyConfig()
    profiles: dict[str, list[str]]
    default_profile: str | None = None
    groups_api: GroupsApiConfig = GroupsApiConfig()
    #: Pause windows and the school year are judged on the date in this zone.
    timezone: str = "Europe/Oslo"
    mail: MailServer | None = None

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
        return self

    def lifecycle_for(self, metaverse_type: str) -> LifecyclePolicy:
        return self.lifecycle.get(metaverse_type, LifecyclePolicy())

    def object_options(self, connector: str, object_type: str) -> ObjectTypeOptions:
        return self.connectors[connector].object_types.get(object_type, ObjectTypeOptions())

    def profile(self, name: str | None) -> tuple[str, list[str]]:
        chosen = name or self.default_profile or next(iter(self.profiles))
        return chosen, self.profiles[chosen]
