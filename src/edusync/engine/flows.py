"""Attribute flows, precedence and lineage.

Inbound: each source object contributes values to its metaverse object; where
several sources feed one attribute, the lowest precedence number wins (1 beats 6,
as in MIM). Empty values never win. Every winning value carries its lineage: which
source gave it (an index into the object's ``sources``) and the run that set it.
The rule that made it is known from the configuration (:func:`flow_label`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from edusync.config.models import Flow
from edusync.model.records import Attrs
from edusync.rules import RuleContext, get_rule

RefResolver = Callable[[str, str], str | None]

_DIRECT, _CONSTANT, _RULE, _REF = range(4)
_KINDS = {"direct": _DIRECT, "constant": _CONSTANT, "rule": _RULE, "ref": _REF}


class Unresolved(Exception):
    """A reference flow points at an object that is not (yet) in the metaverse."""

    def __init__(self, object_type: str, anchor: str) -> None:
        self.object_type = object_type
        self.anchor = anchor
        super().__init__(f"reference to {object_type} {anchor!r} is not in the metaverse")


def flow_label(flow: Flow) -> str:
    """How a flow reads in lineage: ``direct:fornavn``, ``rule:clean_name(fornavn)``, ``constant``."""
    src = ",".join(flow.sources)
    return {
        "constant": "constant",
        "rule": f"rule:{flow.rule}({src})",
        "ref": f"ref:{flow.ref}({src})",
    }.get(flow.kind, f"direct:{src}")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


class FlowSet:
    """Compiled flows of one sync rule or provisioning rule, ordered so the best precedence comes first."""

    def __init__(self, flows: Sequence[Flow]) -> None:
        ordered = sorted(flows, key=lambda f: f.precedence)
        self.flows = ordered
        self._plan = [
            (f.to, _KINDS[f.kind], f.sources, f.constant, get_rule(f.rule) if f.rule else None, f.ref) for f in ordered
        ]
        self.precedence: dict[str, int] = {}
        for f in ordered:
            self.precedence.setdefault(f.to, f.precedence)

    def apply(
        self,
        attrs: Attrs,
        ctx: RuleContext,
        resolve: RefResolver | None = None,
        chosen: dict[str, int] | None = None,
        refused: list[str] | None = None,
    ) -> Attrs:
        """The values this object gives, by destination attribute (best precedence first wins).

        ``chosen``, when given, receives the index (into :attr:`flows`) of the flow that gave
        each value, which lineage records; ``refused`` receives ``attribute (rule name)`` for each
        value a refusing rule would not let through. Raises :class:`Unresolved` when a reference
        cannot be resolved yet.
        """
        out: Attrs = {}
        for index, (to, kind, sources, constant, spec, ref) in enumerate(self._plan):
            if to in out:
                continue
            if kind == _DIRECT:
                value = attrs.get(sources[0])
            elif kind == _CONSTANT:
                value = constant
            elif kind == _RULE:
                args = [attrs.get(s) for s in sources]
                value = spec(ctx, *args)  # type: ignore[misc]
                if refused is not None and spec.refuses and _empty(value) and not all(_empty(a) for a in args):  # type: ignore[union-attr]
                    refused.append(f"{to} (rule {spec.name})")  # type: ignore[union-attr]
            else:
                anchor = attrs.get(sources[0])
                if _empty(anchor):
                    continue
                value = resolve(ref, str(anchor)) if resolve else None  # type: ignore[arg-type]
                if value is None:
                    raise Unresolved(str(ref), str(anchor))
            if not _empty(value):
                out[to] = value
                if chosen is not None:
                    chosen[to] = index
        return out

    def labels(self) -> list[str]:
        """Each flow's label, by the index :meth:`apply` reports in ``chosen``."""
        return [flow_label(f) for f in self.flows]


@dataclass(frozen=True)
class SourceRef:
    connector: str
    object_type: str
    anchor: str

    def as_list(self) -> list[str]:
        return [self.connector, self.object_type, self.anchor]


class Part(NamedTuple):
    """What one source of an object gives: values, their precedence, and the flow behind each."""

    values: Attrs
    precedence: dict[str, int]
    chosen: dict[str, int]


def lineage_entry(source: int, run: int, flow: int | None) -> list[int]:
    """``[source index, run, flow index]``: which source, run and flow gave a value."""
    return [source, run] if flow is None else [source, run, flow]


def merge(
    parts: Sequence[Part],
    old_attrs: Attrs,
    old_lineage: dict[str, list[int]],
    run_id: int,
) -> tuple[Attrs, dict[str, list[int]]]:
    """Resolve precedence across the sources of one object.

    ``parts`` holds, per source in the order of the object's ``sources``, its values,
    their precedence and the flows that gave them. Ties go to the earlier source. A
    value that did not change keeps the run that first set it.
    """
    attrs: Attrs = {}
    lineage: dict[str, list[int]] = {}
    best: dict[str, int] = {}
    for index, (values, precedence, chosen) in enumerate(parts):
        for attr, value in values.items():
            p = precedence.get(attr, 100)
            if attr not in best or p < best[attr]:
                best[attr] = p
                attrs[attr] = value
                lineage[attr] = lineage_entry(index, 0, chosen.get(attr))
    for attr, entry in lineage.items():
        old = old_lineage.get(attr)
        same = old is not None and old_attrs.get(attr) == attrs[attr]
        entry[1] = old[1] if same and old is not None else run_id
    return attrs, lineage
