"""The rules of a configuration: sync rules bring source objects in, provision rules send them out.

Both use the same conditions (which objects) and flows (which attributes, from where). The
docstring under each field is its documentation: pydantic copies it into the field's
description, docs/configuration.md's reference is generated from it, and ``edusync init``
writes it as a comment above the key.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from edusync.model.records import State


class Frozen(BaseModel):
    """A configuration block: read-only once loaded, and a key it does not know is an error.

    An unknown key is most often a typo, which would otherwise silently leave a default in force.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


Deprovision = Literal["disconnect", "soft_delete", "delete", "archive", "keep"]


class Condition(Frozen):
    """One test on an attribute, or a named rule function that returns true or false.

    Exactly one of ``equals``, ``in``, ``not_in``, ``present``, ``matches`` or ``rule`` is given.
    A test on an attribute holding a list passes when any of its values passes.
    """

    attribute: str | None = None
    """The attribute tested. Required, except with ``rule``, where ``args`` name the attributes."""
    equals: Any = None
    """Passes when the attribute has this value (compared as text, so ``1`` equals ``"1"``)."""
    in_: list[Any] | None = Field(default=None, alias="in")
    """Passes when the attribute has one of these values (compared as text)."""
    not_in: list[Any] | None = None
    """Passes when the attribute has none of these values; an empty attribute passes."""
    present: bool | None = None
    """``true`` passes when the attribute has a value (not empty, not an empty list); ``false`` when it has none."""
    matches: str | None = None
    """A Python regular expression searched for anywhere in the value; anchor it with ``^…$`` to match all of it."""
    rule: str | None = None
    """A rule function (``valid_fnr``, ``active_period``…) called with the ``args`` attributes; passes when it returns
    true."""
    args: list[str] = Field(default_factory=list)
    """The attributes given to ``rule``, in order; empty: just ``attribute``."""

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
    """The attribute that gets the value (in the metaverse for a sync rule, in the target for a provision rule)."""
    from_: str | list[str] | None = Field(default=None, alias="from")
    """The attribute the value comes from; a list only with ``rule``, which gets them all. Required unless
    ``constant``."""
    constant: Any = None
    """A fixed value instead of ``from`` (such as ``type: skole``)."""
    rule: str | None = None
    """A rule function that makes the value from the ``from`` attributes (``strip``, ``join_space``,
    ``fnr_or_none``…)."""
    ref: str | None = None
    """A reference: ``from`` holds a source anchor of an object of this metaverse type, and the flow gives that
    object's metaverse id, so a membership points at its person and group whichever source they came from."""
    precedence: int = 100
    """Where several sources give one attribute, the lowest number wins (1 beats 6); an empty value never wins."""

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
    """Match a staged object to an existing metaverse object, so one person from two sources is one person."""

    match: dict[str, str]
    """Source attribute → metaverse attribute; every pair must be equal (and not empty) for the objects to join."""

    @field_validator("match")
    @classmethod
    def _not_empty(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("a join rule needs at least one attribute pair")
        return value


class SyncRule(Frozen):
    """How one source object type becomes metaverse objects (criteria, join, projection, flows)."""

    connector: str
    """The source: a name under ``connectors``."""
    object_type: str
    """The source's object type this rule reads (``person``, ``group``…, as the connector names them)."""
    metaverse_type: str
    """The metaverse type the objects become; two sources with the same type can join into one object."""
    criteria: list[Condition] = Field(default_factory=list)
    """Conditions every object must meet to be synced (all of them); empty: every object. An object that
    stops meeting them leaves, as if the source had dropped it."""
    join: list[JoinRule] = Field(default_factory=list)
    """Ways to find the metaverse object a source object already is, tried in order until one matches."""
    project: bool = True
    """Make a new metaverse object when nothing joins; ``false``: such objects are left out (a source that
    only adds attributes to people another source brings)."""
    flows: list[Flow] = Field(default_factory=list)
    """The attributes this source gives the metaverse object; empty: none."""


class ArchiveRelease(Frozen):
    """Members of a group the target archived are released: itslearning makes them manual members.

    A released member is forgotten, never deleted, and nothing more is sent for members of an
    archived group.
    """

    ref: str = "group"
    """The attribute (after the flows) that holds the key of the member's group."""
    object_type: str = "group"
    """The target object type of those groups: another rule of the same target."""


class ProvisionRule(Frozen):
    """Which metaverse objects a target gets (scope) and how they look there (flows)."""

    metaverse_type: str
    """The metaverse type sent by this rule."""
    object_type: str
    """The target's own name for the type (``person``, ``org``, ``membership``…, as its connector names them)."""
    scope: list[Condition] = Field(default_factory=list)
    """Conditions an object must meet to be sent (all of them); empty: every object of the type. An object that
    leaves the scope is deprovisioned."""
    flows: list[Flow] = Field(default_factory=list)
    """The target's attributes made from the metaverse object's; empty: the metaverse attributes as they are."""
    states: list[State] = Field(default_factory=lambda: [State.ACTIVE, State.GRACE, State.ARCHIVED])
    """The lifecycle states sent. By default an object in grace is still sent, so one bad night removes nobody."""
    deprovision: Deprovision = "soft_delete"
    """What the target gets when an object leaves it (out of ``scope`` or ``states``, or purged): ``soft_delete``
    (a delete the target can undo, such as itslearning's trash; a restore if it returns), ``delete`` (for good),
    ``archive``, ``disconnect`` (edusync forgets it and sends nothing) or ``keep`` (nothing is sent)."""
    restore_archived: bool = True
    """``false``: an object the target archived stays archived when it reappears (itslearning's courses)."""
    release_when_archived: ArchiveRelease | None = None
    """For memberships: release the members of a group the target archived; unset: they are deleted as usual."""
