"""The ``targets:`` block: what each target receives, and the rules that guard it.

These are itslearning's import rules (docs/itslearning.md), applied before anything is sent:
a safety filter, pause windows, the school-year rollover and a status mail.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from edusync.config.rules import Frozen, ProvisionRule


class Limit(Frozen):
    """A threshold of the safety filter: a change set over it is not sent."""

    max_count: Annotated[int, Field(ge=0)] | None = None
    """More changes than this breach the limit; unset: no absolute limit."""
    max_percent: Annotated[float, Field(ge=0, le=100)] | None = None
    """More changes than this percentage of the objects the target had before the run breach the limit."""
    ignore_below: Annotated[int, Field(ge=0)] = 10
    """Up to this many changes never breach ``max_percent``, so a small school can delete two of its ten groups."""


OpName = Literal["add", "update", "delete", "restore", "archive"]


def _default_thresholds() -> dict[str, dict[OpName, Limit]]:
    return {"*": {"delete": Limit(max_percent=10)}}


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
    """Days on which nothing is sent to the target; the runs still plan, so the report shows what waits."""

    from_: str = Field(alias="from")
    """The first day, inclusive: ``MM-DD`` every year (``06-20``) or ``YYYY-MM-DD`` that year only."""
    to: str
    """The last day, inclusive, in the same form as ``from``; a yearly window may run over new year."""
    reason: str = ""
    """Said in the run's warning and the status mail (``summer``)."""

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

    Inside the window the changes the new year itself makes are not counted by the safety
    filter, so the expected new year passes while a broken night is still stopped.
    """

    starts: str = "08-01"
    """The first day of a school year, ``MM-DD``, judged on the local date of the run."""
    window_days: Annotated[int, Field(ge=1, le=366)] = 21
    """Days from ``starts`` in which the new year's own changes do not count against the thresholds."""
    keys: Strategy = "none"
    """``school_year``: objects of ``object_types`` get a key per school year (``<id>.2026-27``), so a class that goes
    on reaches the target as a new course; ``hierarchy``: they hang under a node per school year instead, deleted
    at rollover; ``none``: keys stay as they are."""
    object_types: list[str] = Field(default_factory=lambda: ["group"])
    """The target object types whose keys roll (each a rule of this target)."""
    references: list[str] = Field(default_factory=lambda: ["group"])
    """With ``school_year``: the attributes of other objects (a membership's ``group``) re-pointed at this year's
    key."""
    parent: str = "parent"
    """With ``hierarchy``: the attribute holding a group's parent, which is replaced by that parent's year node."""
    node_type: str = "organisation"
    """With ``hierarchy``: the target object type of the year nodes."""
    node_name: str = "Skoleåret {year}"
    """With ``hierarchy``: the year node's ``name``; ``{year}`` reads ``2026/2027``, ``{label}`` ``2026-27``."""
    node_attrs: dict[str, Any] = Field(default_factory=dict)
    """With ``hierarchy``: more attributes every year node gets."""
    thresholds: dict[str, dict[OpName, Limit]] | None = None
    """Inside the window, these replace the target's own (the pupils who leave with a school year); unset: the
    target's own still apply."""

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
    """Who gets the status mail of this target, and after which runs (itslearning's log mail)."""

    to: Annotated[list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]], Field(min_length=1)]
    """The addresses the mail goes to (at least one); the server is the top-level ``mail``."""
    when: Literal["always", "failed"] = "always"
    """``always``: after every run attempt; ``failed``: only after one that ends ``Failed`` (a breach, a block, an
    error before the export)."""


def _itslearning_ops(value: Any) -> Any:
    """itslearning's safety filter says insert; edusync says add."""
    if not isinstance(value, dict):
        return value
    return {
        k: {("add" if op == "insert" else op): v for op, v in ops.items()} if isinstance(ops, dict) else ops
        for k, ops in value.items()
    }


class TargetConfig(Frozen):
    """What one target connector receives and the thresholds that guard it."""

    objects: list[ProvisionRule]
    """One rule per object type sent. Changes go out in this order, so list an object type before those that refer to
    it (organisations, persons, groups, memberships)."""
    thresholds: dict[str, dict[OpName, Limit]] = Field(default_factory=_default_thresholds)
    """The safety filter: per object type (or ``"*"``, any) and operation (``add``, also ``insert``; ``update``,
    ``delete``, ``archive``, ``restore``) a limit. An archive without a limit of its own counts as a delete, a
    restore as an add. The default stops a run that would delete more than a tenth of any type."""
    batch_size: Annotated[int, Field(ge=1, le=100_000)] | None = None
    """Changes sent per batch (one call, or one transaction of a file target); unset: the connector's own default."""
    on_breach: Literal["block", "fail"] = "block"
    """A breached threshold sends nothing and either ``block``s the run until a person approves that exact change
    set (``edusync approve``), or ``fail``s it, as itslearning's safety filter does; the next night plans again."""
    pause: list[PauseWindow] = Field(default_factory=list)
    """Windows in which nothing is sent (the summer holiday); empty: never paused."""
    rollover: Rollover | None = None
    """The school-year change; unset: keys never roll and the new year counts against the thresholds like any night."""
    mail: TargetMail | None = None
    """A status mail after every run attempt; unset: none."""
    national_ids: bool = True
    """``false``: no national id reaches this target, whatever its flows say: every attribute named in
    ``safety.national_id_attributes`` and every value that is a valid fødselsnummer is left out of what is planned
    (a PIFU file then carries no ``personNIN``). ``true``: a valid number under those names is sent."""
    reconcile: bool | None = None
    """Before each plan, read back every object edusync manages in the target and put back those that no longer hold
    what was last sent (an entry edited by hand). Unset: yes where the connector can read back (``ldap``), since a
    catalogue people log in with must not keep a wrong value; ``false`` saves the full read each run; ``true`` on a
    connector that cannot read back is an error."""

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
