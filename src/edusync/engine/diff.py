"""Plan: compare a desired target object with what was last sent, and name the change."""

from __future__ import annotations

from dataclasses import dataclass

from edusync.model.hashing import dump_hash
from edusync.model.records import Attrs, Op


@dataclass(frozen=True, slots=True)
class Sent:
    """What the target was last told about one object."""

    hash: str
    state: str  # present, deleted, archived
    text: str  # the attributes last sent, as canonical JSON


@dataclass(frozen=True, slots=True)
class Planned:
    op: Op
    text: str  # the attributes as canonical JSON
    hash: str
    soft: bool = True


def diff(desired: Attrs | None, archived: bool, sent: Sent | None, deprovision: str) -> Planned | None:
    """The change that brings the target from ``sent`` to ``desired``; None if nothing to do.

    ``desired`` is None when the object should not be in the target (out of scope,
    disabled or purged); ``deprovision`` then says what the target gets.
    """
    if desired is not None:
        text, digest = dump_hash(desired)
        if sent is None:
            return Planned(Op.ADD, text, digest)
        if sent.state == "deleted":
            return Planned(Op.RESTORE, text, digest)
        if archived and sent.state != "archived":
            return Planned(Op.ARCHIVE, text, digest)
        if not archived and sent.state == "archived":
            return Planned(Op.RESTORE, text, digest)
        if sent.hash != digest:
            return Planned(Op.UPDATE, text, digest)
        return None
    if sent is None or sent.state == "deleted":
        return None
    if deprovision == "keep":
        return None
    if deprovision == "disconnect":
        return Planned(Op.FORGET, sent.text, sent.hash)
    if deprovision == "archive":
        return None if sent.state == "archived" else Planned(Op.ARCHIVE, sent.text, sent.hash)
    return Planned(Op.DELETE, sent.text, sent.hash, soft=deprovision == "soft_delete")


def after(op: Op, soft: bool) -> str | None:
    """The target's state once ``op`` went through; None means the row is forgotten."""
    if op == Op.FORGET:
        return None
    if op == Op.DELETE:
        return "deleted" if soft else None
    if op == Op.ARCHIVE:
        return "archived"
    return "present"


#: What each kind of sync-key movement at a target is made of, as change ops.
KEY_KINDS = {"appeared": ("add",), "vanished": ("delete", "archive"), "returned": ("restore",)}


def key_counts(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Per object type: how many keys appeared, vanished and returned, from a change set's op counts."""
    out: dict[str, dict[str, int]] = {}
    for object_type, ops in counts.items():
        row = {kind: sum(ops.get(op, 0) for op in op_names) for kind, op_names in KEY_KINDS.items()}
        if any(row.values()):
            out[object_type] = row
    return out
