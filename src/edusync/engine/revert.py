"""Revert: the change that puts one target object back as it was before a run changed it.

Each change keeps the value the target held before it (``prior``, as edusync had recorded it sent);
what the target holds now (``current``) is what that change left, unless a later change moved it
again. Undoing is then the ordinary diff from ``current`` to ``prior``, so a deleted object comes
back with the attributes it had (an add, or a restore where it was soft-deleted), an update gets its
old values, and an added object is deleted. A later change is never overwritten: the object is
refused with the reason, and the caller decides whether the others go on (``--only-untouched``).
"""

from __future__ import annotations

from dataclasses import dataclass

from edusync.engine.diff import Planned, Sent, diff
from edusync.model.hashing import loads


@dataclass(frozen=True, slots=True)
class Done:
    """One change of the run being reverted, as the target took it."""

    object_type: str
    key: str
    mv_id: str | None
    op: str
    #: What the target held before it; None when it held nothing.
    prior: Sent | None
    #: False when the prior value is no longer kept (``revert.retention_days``).
    kept: bool = True


@dataclass(frozen=True, slots=True)
class Undo:
    """The change that undoes ``done``, or why there is none (``reason``)."""

    done: Done
    planned: Planned | None = None
    reason: str | None = None


def undo(done: Done, current: Sent | None, later: str | None) -> Undo:
    """Undo one change; ``later`` names a later change of the same object, which refuses it.

    No change is needed when the target already holds the prior value (a forget, or a put-back of
    what was sent anyway).
    """
    if done.op == "forget":
        return Undo(done)  # the target was never told; edusync only stopped keeping its record
    if later is not None:
        return Undo(done, reason=f"changed again since: {later}")
    if not done.kept:
        return Undo(done, reason="its prior value is no longer kept (older than revert.retention_days)")
    prior = done.prior
    if prior is None or prior.state == "deleted":
        # Deleted: soft, as it was before; absent: removed for good, as the target had none.
        soft = prior is not None
        return Undo(done, diff(None, False, current, "soft_delete" if soft else "delete"))
    return Undo(done, diff(loads(prior.text), prior.state == "archived", current, "delete"))
