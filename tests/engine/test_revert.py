"""The undo of each kind of change: the diff from what the target holds now back to what it held before."""

from __future__ import annotations

import pytest

from edusync.engine.diff import Sent
from edusync.engine.revert import Done, undo
from edusync.model.hashing import dump_hash
from edusync.model.records import Op

OLD_TEXT, OLD_HASH = dump_hash({"name": "Kari"})
NEW_TEXT, NEW_HASH = dump_hash({"name": "Kari Berg"})
OLD = Sent(OLD_HASH, "present", OLD_TEXT)
NEW = Sent(NEW_HASH, "present", NEW_TEXT)


@pytest.mark.parametrize(
    ("op", "prior", "now", "expected", "soft"),
    [
        ("add", None, NEW, Op.DELETE, False),  # the target had nothing: gone for good
        ("delete", OLD, None, Op.ADD, True),  # a hard delete: added back
        ("delete", OLD, Sent(OLD_HASH, "deleted", OLD_TEXT), Op.RESTORE, True),  # soft: restored
        ("archive", OLD, Sent(OLD_HASH, "archived", OLD_TEXT), Op.RESTORE, True),
        ("update", OLD, NEW, Op.UPDATE, True),
        ("restore", Sent(OLD_HASH, "deleted", OLD_TEXT), OLD, Op.DELETE, True),  # soft-deleted again
    ],
)
def test_each_change_is_undone_to_its_prior_value(
    op: str, prior: Sent | None, now: Sent | None, expected: Op, soft: bool
) -> None:
    u = undo(Done("person", "p1", "p1", op, prior), now, None)
    assert u.reason is None and u.planned is not None
    assert (u.planned.op, u.planned.soft) == (expected, soft)
    if expected in (Op.ADD, Op.RESTORE, Op.UPDATE):
        assert (u.planned.text, u.planned.hash) == (OLD_TEXT, OLD_HASH), "the attributes it had"


def test_a_later_change_or_a_lost_prior_refuses_and_a_forget_sends_nothing() -> None:
    refused = undo(Done("person", "p1", "p1", "update", OLD), NEW, "run 9: update")
    assert refused.planned is None and refused.reason == "changed again since: run 9: update"
    lost = undo(Done("person", "p1", "p1", "update", None, kept=False), NEW, None)
    assert lost.planned is None and lost.reason is not None and "retention_days" in lost.reason
    forgot = undo(Done("person", "p1", "p1", "forget", OLD), None, None)
    assert forgot.planned is None and forgot.reason is None
    same = undo(Done("person", "p1", "p1", "update", OLD), OLD, None)
    assert same.planned is None and same.reason is None, "the target holds the prior value already"
