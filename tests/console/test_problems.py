"""The console answers each refused approval by its type: 422 ask again with it, 403 another must, 409 look again."""

from __future__ import annotations

import pytest

from edusync.console.problems import status_of
from edusync.errors import (
    ActorUnknown,
    AlreadyApproved,
    ApprovalRefused,
    ChangeSetAltered,
    ChangeSetReplaced,
    FourEyesRefused,
    HashMismatch,
    HashTooShort,
    ReasonMissing,
    RunNotBlocked,
)


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (ActorUnknown(), 422),
        (ReasonMissing(7, "approve"), 422),
        (ReasonMissing(7, "reject"), 422),
        (HashTooShort(7, "6a0c", 12), 422),
        (FourEyesRefused(7, "ola@fylke.no"), 403),
        (HashMismatch(7, "0123456789ab", "6a0c1e2f9b1d"), 409),
        (ChangeSetReplaced(7, 3, "superseded"), 409),
        (ChangeSetAltered(7, 3), 409),
        (AlreadyApproved(7, "kari@fylke.no"), 409),
        (RunNotBlocked(7, "done"), 409),
        (RunNotBlocked(7, None), 409),
    ],
)
def test_each_refusal_has_its_status_whatever_its_message_says(refusal: ApprovalRefused, status: int) -> None:
    assert status_of(refusal) == status
    # A message that reads like another kind does not change the answer: the type decides.
    refusal.args = ("four-eyes; 12 characters at least; a reason; no actor",)
    assert status_of(refusal) == status
