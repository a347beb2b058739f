"""Keep Python's cycle collector out of the way of a step that builds millions of objects.

An import or sync at county size creates millions of small, long-lived objects
(records, tuples, dicts) and almost no reference cycles. The collector would scan
them again and again as they pile up, which at 1.5 million memberships cost more
than the work itself. Reference counting still frees everything that is not in a
cycle; the few cycles a step makes are collected once when it ends.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cycle collector for the duration (nesting is fine), then collect once."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect()
