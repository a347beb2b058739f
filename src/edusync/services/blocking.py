"""How a step says "a person must decide before this goes on"."""

from __future__ import annotations

from typing import Any


class StepBlocked(Exception):
    """Raised by a step that the safety gate stopped; the runner records it and exits 3.

    ``hash`` is what an approval is bound to: the exact loss (input check) or the
    exact change set (thresholds) the person looked at.
    """

    def __init__(self, kind: str, reasons: list[str], hash: str, detail: dict[str, Any]) -> None:
        self.kind = kind
        self.reasons = reasons
        self.hash = hash
        self.detail = detail
        super().__init__("; ".join(reasons))
