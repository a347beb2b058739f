"""The safety gate: thresholds per object type and operation, absolute and in percent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edusync.config.models import Limit

#: An operation without a limit of its own falls under this one: an archive is a delete
#: to the people who set the limits (itslearning's filter knows insert, update, delete),
#: and a restore from the trash is an insert.
FALLBACK = {"archive": "delete", "restore": "add"}


def _limit_for(thresholds: Mapping[str, Mapping[Any, Limit]], object_type: str, op: str) -> Limit | None:
    for name in (op, FALLBACK.get(op)):
        if name is None:
            continue
        specific = thresholds.get(object_type, {})
        if name in specific:
            return specific[name]
        general = thresholds.get("*", {})
        if name in general:
            return general[name]
    return None


def breaches(
    counts: Mapping[str, Mapping[str, int]],
    before: Mapping[str, int],
    thresholds: Mapping[str, Mapping[Any, Limit]],
    target: str,
    exempt: Mapping[str, Mapping[str, int]] | None = None,
) -> list[str]:
    """Every threshold the planned counts break, as sentences a person can act on.

    Percent is of the objects the target had before the run. Counts at or under a
    limit's ``ignore_below`` never breach by percent, so a small school is not
    blocked for deleting two of its ten groups. ``exempt`` counts (the changes an
    expected school-year rollover makes) are taken off before the limits are applied.
    """
    reasons = []
    for object_type in sorted(counts):
        base = before.get(object_type, 0)
        for op in sorted(counts[object_type]):
            n = counts[object_type][op] - (exempt or {}).get(object_type, {}).get(op, 0)
            limit = _limit_for(thresholds, object_type, op)
            if limit is None or n <= 0:
                continue
            if limit.max_count is not None and n > limit.max_count:
                reasons.append(f"{target}: {n} {object_type} {op}s exceed the limit of {limit.max_count}")
            if limit.max_percent is not None and base > 0 and n > limit.ignore_below:
                pct = 100.0 * n / base
                if pct > limit.max_percent:
                    reasons.append(
                        f"{target}: {n} {object_type} {op}s are {pct:.1f} % of {base} (limit {limit.max_percent:g} %)"
                    )
    return reasons
