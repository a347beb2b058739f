"""The registry of rule functions.

Config names a rule (``rule: clean_name``); nothing from config is ever evaluated
as code. A rule takes the source values in the order the flow lists them and
returns the value (or, in criteria, a truth value). A rule that needs to know the
date or the run declares ``needs_context=True`` and gets a :class:`RuleContext`
first.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know besides its arguments."""

    today: dt.date
    run_id: int = 0


@dataclass(frozen=True)
class RuleSpec:
    name: str
    func: Callable[..., Any]
    needs_context: bool
    #: The rule refuses bad values (returns nothing for a value it will not let through): each refusal is
    #: a counted warning naming the record, never a silent blank.
    refuses: bool = False

    def __call__(self, ctx: RuleContext, *values: Any) -> Any:
        if self.needs_context:
            return self.func(ctx, *values)
        return self.func(*values)


_RULES: dict[str, RuleSpec] = {}
_MODULES = ("edusync.rules.builtin", "edusync.rules.vigobas")
_loaded = False


def rule(name: str, *, needs_context: bool = False, refuses: bool = False) -> Callable[[F], F]:
    """Register ``func`` under ``name``; names are unique. ``refuses``: see :attr:`RuleSpec.refuses`."""

    def register(func: F) -> F:
        if name in _RULES and _RULES[name].func is not func:
            raise ValueError(f"rule {name!r} is already registered")
        _RULES[name] = RuleSpec(name, func, needs_context, refuses)
        return func

    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in _MODULES:
            importlib.import_module(module)
        _loaded = True


def get_rule(name: str) -> RuleSpec:
    _load()
    try:
        return _RULES[name]
    except KeyError:
        raise KeyError(f"unknown rule {name!r}") from None


def rule_names() -> list[str]:
    _load()
    return sorted(_RULES)
