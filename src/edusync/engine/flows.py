"""Attribute flows, precedence and lineage.

Inbound: each source object contributes values to its metaverse object; where
several sources feed one attribute, the lowest precedence number wins (1 beats 6,
as in MIM). Empty values never win. Every winning value carries its lineage:
connector, object type, anchor, the rule that made it and the run that set it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from edusync.config.models import Flow
from edusync.model.records import Attrs
from edusync.rules import RuleContext, get_rule

RefResolver = Callable[[str, str], str | None]


class Unresolved(Exception):
    """A reference flow points at an object that is not (yet) in the metaverse."""

    def __init__(self, object_type: str, anchor: str) -> None:
        self.object_type = object_type
        self.anchor = anchor
        super().__init__(f"reference to {object_type} {anchor!r} is not in the metaverse")


@dataclass(frozen=True)
class Contribution:
    value: Any
    precedence: int
    rule: str


def _label(flow: Flow) -> str:
    src = ",".join(flow.sources)
    if flow.kind == "constant":
        return "constant"
    if flow.kind == "rule":
        return f"rule:{flow.rule}({src})"
    if flow.kind == "ref":
        return f"ref:{flow.ref}({src})"
    return f"direct:{src}"


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


class FlowSet:
    """Compiled flows of one sync rule or provisioning rule."""

    def __init__(self, flows: Sequence[Flow]) -> None:
        self.flows = list(flows)
        self.labels = [_label(f) for f in self.flows]
        self.rules = [get_rule(f.rule) if f.rule else None for f in self.flows]

    def apply(
        self, attrs: Attrs, ctx: RuleContext, resolve: RefResolver | None = None
    ) -> dict[str, Contribution]:
        """Values this object gives, by destination attribute. Raises :class:`Unresolved`."""
        out: dict[str, Contribution] = {}
        for flow, label, spec in zip(self.flows, self.labels, self.rules, strict=True):
            kind = flow.kind
            if kind == "constant":
                value = flow.constant
            elif kind == "direct":
                value = attrs.get(flow.sources[0])
            elif kind == "rule":
                assert spec is not None
                value = spec(ctx, *(attrs.get(s) for s in flow.sources))
            else:
                anchor = attrs.get(flow.sources[0])
                value = None
                if not _empty(anchor):
                    assert resolve is not None and flow.ref is not None
                    value = resolve(flow.ref, str(anchor))
                    if value is None:
                        raise Unresolved(flow.ref, str(anchor))
            if _empty(value):
                continue
            current = out.get(flow.to)
            if current is None or flow.precedence < current.precedence:
                out[flow.to] = Contribution(value, flow.precedence, label)
        return out

    def outbound(self, attrs: Attrs, ctx: RuleContext) -> Attrs:
        """Target attributes from metaverse attributes (no precedence: one source)."""
        return {k: c.value for k, c in self.apply(attrs, ctx).items()}


@dataclass(frozen=True)
class SourceRef:
    connector: str
    object_type: str
    anchor: str

    def as_list(self) -> list[str]:
        return [self.connector, self.object_type, self.anchor]


def merge(
    contributions: Sequence[tuple[SourceRef, dict[str, Contribution]]],
    old_attrs: Attrs,
    old_lineage: dict[str, dict[str, Any]],
    run_id: int,
) -> tuple[Attrs, dict[str, dict[str, Any]]]:
    """Resolve precedence across sources; keep the old lineage run where a value did not change."""
    winners: dict[str, tuple[SourceRef, Contribution]] = {}
    for ref, contrib in contributions:
        for attr, c in contrib.items():
            best = winners.get(attr)
            if best is None or c.precedence < best[1].precedence:
                winners[attr] = (ref, c)
    attrs: Attrs = {}
    lineage: dict[str, dict[str, Any]] = {}
    for attr in sorted(winners):
        ref, c = winners[attr]
        attrs[attr] = c.value
        same = attr in old_attrs and old_attrs[attr] == c.value
        previous = old_lineage.get(attr, {})
        lineage[attr] = {
            "connector": ref.connector,
            "object_type": ref.object_type,
            "anchor": ref.anchor,
            "rule": c.rule,
            "precedence": c.precedence,
            "run": previous.get("run", run_id) if same else run_id,
        }
    return attrs, lineage
