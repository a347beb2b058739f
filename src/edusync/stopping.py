"""A stop that a process asks for (SIGTERM to ``edusync daemon``), which a run obeys only where it is safe.

The signal handler only sets :data:`STOP`; a run looks at it between two steps and between two
export batches (:func:`edusync.pipeline.context.stop_point`), so what it sent is recorded before
it stops and the run resumes where it left off. Nothing here interrupts a call that is under way.
"""

from __future__ import annotations

import threading

#: Set once, when the process is to stop; never cleared (a process stops only once).
STOP = threading.Event()


def request() -> None:
    """Ask everything in this process to stop at its next safe point."""
    STOP.set()


def requested() -> bool:
    return STOP.is_set()


def wait(seconds: float) -> bool:
    """Sleep up to ``seconds``, waking early when a stop is asked for; true when it was."""
    return STOP.wait(seconds)
