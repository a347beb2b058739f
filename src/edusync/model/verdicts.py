"""A verdict: one criterion or rule an object met or failed, with the reason a person reads.

Criteria return a verdict where an explanation is wanted, and their yes/no is the verdict's
``passed``, so what ``edusync explain`` says is what the import did, never a second opinion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """``criterion`` names the rule (``elevforhold``, ``scope``…); ``reason`` is a sentence with the values
    involved; ``values`` holds them for JSON readers (never a national id)."""

    criterion: str
    passed: bool
    reason: str
    values: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.passed

    def as_dict(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "passed": self.passed, "reason": self.reason, "values": self.values}
