"""Rule functions: named, plain, tested Python functions that config refers to by name."""

from edusync.rules.registry import RuleContext, get_rule, rule, rule_names

__all__ = ["RuleContext", "get_rule", "rule", "rule_names"]
