"""The configuration schema.

Each component has one frozen model. Connector ``settings`` are validated later,
by the connector's own model (see :mod:`edusync.config.loader`), because only the
connector knows its settings.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


class ProvisionRule(Frozen):
    """Which metaverse objects a target gets (scope) and how they look there (flows)."""

    metaverse_type: str
    object_type: str
    scope: list[Condition] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    states: list[State] = Field(default_factory=lambda: [State.ACTIVE, State.GRACE, State.ARCHIVED])
    deprovision: Deprovision = "soft_delete"


class TargetConfig(Frozen):
    """What one target connector receives and the thresholds that guard it."""

    objects: list[ProvisionRule]
    thresholds: dict[str, dict[OpName, Limit]] = Field(default_factory=_default_thresholds)
    batch_size: Annotated[int, Field(ge=1, le=100_000)] | None = None  # None: the connector's own default


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

    def lifecycle_for(self, metaverse_type: str) -> LifecyclePolicy:
        return self.lifecycle.get(metaverse_type, LifecyclePolicy())

    def object_options(self, connector: str, object_type: str) -> ObjectTypeOptions:
        return self.connectors[connector].object_types.get(object_type, ObjectTypeOptions())

    def profile(self, name: str | None) -> tuple[str, list[str]]:
        chosen = name or self.default_profile or next(iter(self.profiles))
        return chosen, self.profiles[chosen]
