"""Named kill points: where a real run can be made to die, so the tests can prove nothing is lost or doubled.

Every step that writes outside edusync, or commits inside it, passes a point named here. With
``EDUSYNC_KILL_AT=NAME`` (or ``NAME#N``: the N-th time it is passed) a process kills itself
with SIGKILL there, as the power going off would. The fault-matrix test kills a real ``edusync
run`` at every point for every kind of target, runs again, and checks that the target holds
what a clean run gives, with no change sent twice. :func:`reach` refuses a name that is not in
:data:`POINTS`, so a new point cannot be passed without being listed (and so tested).
"""

from __future__ import annotations

import logging
import os
import signal
from collections import Counter

from edusync import stopping

ENV = "EDUSYNC_KILL_AT"
#: ``NAME`` or ``NAME#N``: wait at that point until the process is asked to stop (a test's SIGTERM mid-run).
HOLD_ENV = "EDUSYNC_HOLD_AT"

POINTS: dict[str, str] = {
    "import.committed": "an import's transaction committed, before the run records the step",
    "sync.committed": "a transaction of the sync committed (pages of dirty objects)",
    "lifecycle.committed": "the lifecycle's transaction committed",
    "plan.committed": "a target's change set is stored, before the gate judges it",
    "gate.committed": "the gate let the change set through, before its first batch",
    "export.before_batch": "a batch is marked in flight, before the target is called",
    "export.after_batch": "the target took a batch, before its results are recorded",
    "export.recorded": "a batch's results are recorded",
    "export.published": "the target's finish step published (a file is in place), before the change set is closed",
    "export.closed": "the change set is closed, before the target's state and the step are recorded",
    "run.step_recorded": "a step's progress is recorded in the run",
    # A target's own points (passed only by that connector):
    "scim.wrote": "the SCIM service took a write (one request, or a /Bulk of many), before its answer is read",
    "scim.resources_written": "a batch's users and groups are written to the SCIM service, before its memberships",
    "wiseflow.flow_created": "WISEflow created an exam's flow, before edusync tagged it with the exam's key",
    "wiseflow.group_created": "WISEflow created an assessor group, before edusync recorded which FS kommisjon it is",
    "wiseflow.participants_added": "WISEflow added a flow's new participants at once, before edusync read their ids",
}
#: Points only one kind of target passes (the others never reach them), by the target's type.
TARGET_ONLY = {
    "wiseflow": ("wiseflow.flow_created", "wiseflow.group_created", "wiseflow.participants_added"),
    "scim": ("scim.wrote", "scim.resources_written"),
}

_passed: Counter[str] = Counter()


def reach(point: str) -> None:
    """Pass ``point``: die here if ``$EDUSYNC_KILL_AT`` says so, or wait for a stop if ``$EDUSYNC_HOLD_AT`` does."""
    if point not in POINTS:
        raise KeyError(f"kill point {point!r} is not listed in edusync.faults.POINTS")
    if _named(os.environ.get(ENV), point):
        os.kill(os.getpid(), signal.SIGKILL)
    if _named(os.environ.get(HOLD_ENV), point):
        logging.getLogger(__name__).warning("holding at %s until the process is asked to stop", point)
        while not stopping.wait(3600):
            pass


def _named(wanted: str | None, point: str) -> bool:
    """Whether ``wanted`` (``NAME`` or ``NAME#N``) names this passing of ``point``; counts the passings."""
    if not wanted:
        return False
    name, _, nth = wanted.partition("#")
    if name != point:
        return False
    _passed[wanted] += 1
    return _passed[wanted] == int(nth or 1)
