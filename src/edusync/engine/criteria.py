"""Import criteria and provisioning scopes: conditions over an object's attributes."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from edusync.config.models import Condition
from edusync.model.records import Attrs
from edusync.rules import RuleContext, get_rule

Test = Callable[[Attrs, RuleContext], bool]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def compile_condition(cond: Condition) -> Test:
    """Turn one :class:`Condition` into a function of (attributes, context)."""
    attr = cond.attribute or ""
    if cond.rule is not None:
        spec = get_rule(cond.rule)
        args = list(cond.args) or ([attr] if attr else [])
        return lambda a, ctx: bool(spec(ctx, *(a.get(x) for x in args)))
    if cond.present is not None:
        want = cond.present
        return lambda a, ctx: (not _empty(a.get(attr))) == want
    if cond.matches is not None:
        pattern = re.compile(cond.matches)
        return lambda a, ctx: a.get(attr) is not None and bool(pattern.search(str(a.get(attr))))
    if cond.in_ is not None:
        allowed = set(map(str, cond.in_))
        return lambda a, ctx: _any_in(a.get(attr), allowed)
    if cond.not_in is not None:
        banned = set(map(str, cond.not_in))
        return lambda a, ctx: not _any_in(a.get(attr), banned)
    expected = str(cond.equals)
    return lambda a, ctx: _any_in(a.get(attr), {expected})


def _any_in(value: Any, allowed: set[str]) -> bool:
    if isinstance(value, list):
        return any(str(v) in allowed for v in value)
    return value is not None and str(value) in allowed


def compile_all(conditions: Sequence[Condition]) -> Test:
    """All conditions must hold; no conditions means everything passes."""
    tests = [compile_condition(c) for c in conditions]
    if not tests:
        return lambda a, ctx: True
    return lambda a, ctx: all(t(a, ctx) for t in tests)
