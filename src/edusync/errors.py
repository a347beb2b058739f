"""Errors named for what happens next.

::

    EdusyncError
    ├── FatalError            stop the run; nothing more is attempted
    │   ├── ConfigError       the configuration is wrong (all problems listed at once)
    │   ├── SourceError       a source gave data that cannot be trusted (malformed, duplicates)
    │   └── StorageError      the database refused or is at the wrong version
    ├── RetriableError        try the same thing again later (timeouts, 5xx, locks)
    ├── SkippableError        skip this one record, report it, carry on
    └── GateBlocked           the safety gate stopped the run; a person must approve or reject

Foreign exceptions are wrapped with ``raise ... from exc`` so the cause stays visible.
No message may contain an unmasked fødselsnummer (see :func:`edusync.model.fnr.mask`).
"""

from __future__ import annotations


class EdusyncError(Exception):
    """Base of every error edusync raises on purpose."""


class FatalError(EdusyncError):
    """The run cannot continue."""


class ConfigError(FatalError):
    """One or more configuration problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


class SourceError(FatalError):
    """A source delivered data edusync will not act on."""


class StorageError(FatalError):
    """The database could not be used."""


class RetriableError(EdusyncError):
    """A passing failure; the same call may succeed later."""


class SkippableError(EdusyncError):
    """One record is bad; it is reported and the rest go on."""


class GateBlocked(EdusyncError):
    """The safety gate blocked the run; it waits for ``edusync approve`` or ``edusync reject``."""

    def __init__(self, run_id: int, reasons: list[str]) -> None:
        self.run_id = run_id
        self.reasons = reasons
        super().__init__(f"run {run_id} blocked by the safety gate: " + "; ".join(reasons))
