"""Target keys across school years: a key per school year, or a hierarchy node per school year.

itslearning treats a course whose sync key it has seen before as that course, so a class
that lives on into a new school year must reach it as a *new* course: either its key
carries the school year (``gro-….2026-27``, strategy ``school_year``), or it hangs under a
node of that year (``org-skole.2026-27``, strategy ``hierarchy``) that is deleted when
the year is over. The planner asks a :class:`Keys` for every key and reference; the
default keeps the metaverse id, which never changes for an object.

A change the new year itself makes is *rolled*: the add of a key whose last year's key the
target has, the retirement of last year's key of an object that goes on, a reference
re-pointed from last year's key to this year's. Inside the rollover window the safety
filter does not count rolled changes, so the expected new year passes while a broken
night (objects that vanish for real) is still stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from edusync.config.models import Rollover, TargetConfig
from edusync.engine.calendar import SchoolYear
from edusync.model.records import Attrs

Lookup = Callable[[list[str]], set[str]]


class Keys:
    """Keys are the metaverse ids: they never change, and there is no year to roll."""

    digest = ""

    def key(self, object_type: str, mv_id: str) -> str:
        return mv_id

    def previous(self, object_type: str, mv_id: str) -> str | None:
        """Last school year's key of the object, where keys carry the year."""
        return None

    def yearly(self, object_type: str) -> bool:
        """Whether keys of ``object_type`` carry the school year."""
        return False

    def rewrite(self, object_type: str, objects: list[Attrs], lookup: Lookup) -> None:
        """Point references at this year's keys, in place."""

    def rolled_update(self, object_type: str, old: Attrs, new: Attrs) -> bool:
        """Whether ``old`` and ``new`` differ only by references moved to this year's keys."""
        return False

    def nodes(self) -> list[tuple[str, Attrs]]:
        """Objects the strategy adds itself (year nodes), as (key, attributes), taken once."""
        return []


def _with_year(value: Any, year: SchoolYear) -> str:
    return f"{value}.{year.label}"


def _rolled(old: Attrs, new: Attrs, names: Iterable[str], year: SchoolYear) -> bool:
    """Equal but for ``names`` that moved from ``X.<last year>`` to ``X.<this year>``."""
    moved = False
    names = set(names)
    if set(old) != set(new):
        return False
    for name, value in new.items():
        was = old[name]
        if value == was:
            continue
        if name not in names or not isinstance(value, str) or not isinstance(was, str):
            return False
        base = value.removesuffix(f".{year.label}")
        if base == value or was != _with_year(base, year.previous()):
            return False
        moved = True
    return moved


class YearKeys(Keys):
    """``school_year``: objects of the configured types get a key per school year."""

    def __init__(self, rollover: Rollover, year: SchoolYear, yearly_mv_types: set[str]) -> None:
        self.types = set(rollover.object_types)
        self.references = list(rollover.references)
        self.year = year
        self.yearly_mv_types = yearly_mv_types
        self.digest = f"school_year:{year.label}"
        self._known: dict[str, bool] = {}

    def yearly(self, object_type: str) -> bool:
        return object_type in self.types

    def key(self, object_type: str, mv_id: str) -> str:
        return _with_year(mv_id, self.year) if object_type in self.types else mv_id

    def previous(self, object_type: str, mv_id: str) -> str | None:
        return _with_year(mv_id, self.year.previous()) if object_type in self.types else None

    def rewrite(self, object_type: str, objects: list[Attrs], lookup: Lookup) -> None:
        """References to objects whose keys carry the year get the year too (one lookup per page)."""
        values = {v for o in objects for r in self.references if isinstance(v := o.get(r), str)}
        unknown = sorted(values - self._known.keys())
        if unknown:
            yearly = lookup(unknown)
            self._known.update({v: v in yearly for v in unknown})
        for o in objects:
            for r in self.references:
                value = o.get(r)
                if isinstance(value, str) and self._known.get(value):
                    o[r] = _with_year(value, self.year)

    def rolled_update(self, object_type: str, old: Attrs, new: Attrs) -> bool:
        return _rolled(old, new, self.references, self.year)


class YearHierarchy(Keys):
    """``hierarchy``: objects of the configured types hang under a node of their parent per school year."""

    def __init__(self, rollover: Rollover, year: SchoolYear) -> None:
        self.types = set(rollover.object_types)
        self.parent = rollover.parent
        self.year = year
        self.rollover = rollover
        self.digest = f"hierarchy:{year.label}"
        self._pending: dict[str, Attrs] = {}
        self._made: set[str] = set()

    def rewrite(self, object_type: str, objects: list[Attrs], lookup: Lookup) -> None:
        if object_type not in self.types:
            return
        for o in objects:
            parent = o.get(self.parent)
            if not isinstance(parent, str):
                continue
            node = _with_year(parent, self.year)
            o[self.parent] = node
            if node not in self._made:
                self._made.add(node)
                name = self.rollover.node_name.format(year=self.year.name, label=self.year.label)
                self._pending[node] = {**self.rollover.node_attrs, "name": name, self.parent: parent}

    def rolled_update(self, object_type: str, old: Attrs, new: Attrs) -> bool:
        return object_type in self.types and _rolled(old, new, [self.parent], self.year)

    def nodes(self) -> list[tuple[str, Attrs]]:
        out = sorted(self._pending.items())
        self._pending.clear()
        return out

    def made(self) -> set[str]:
        """Every node this plan wants (this year's)."""
        return set(self._made)


def keys_for(target: TargetConfig, year: SchoolYear | None) -> Keys:
    """The key strategy of ``target`` in ``year`` (None: the target has no rollover)."""
    rollover = target.rollover
    if rollover is None or year is None or rollover.keys == "none":
        return Keys()
    if rollover.keys == "hierarchy":
        return YearHierarchy(rollover, year)
    types = set(rollover.object_types)
    mv_types = {r.metaverse_type for r in target.objects if r.object_type in types}
    return YearKeys(rollover, year, mv_types)
