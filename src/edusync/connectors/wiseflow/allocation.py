"""Assessor allocation: who marks whom, as FS says, unless the flow was switched to manual.

FS allocates each candidate to one commission (``kommisjonsid``); in WISEflow that is the
participant's place in an assessor group. A manager can switch a flow from "Tildelt fra SIS" to
manual allocation; WISEflow then refuses allocation writes with ``MANUAL_ALLOCATION``, and edusync
leaves that flow's allocations alone and says so. When the switch goes back, the next
:func:`reconcile` writes FS's allocation again, whether or not anything changed in FS.
"""

from __future__ import annotations

from collections.abc import Mapping

from edusync.connectors.wiseflow.client import Refused, WiseflowClient
from edusync.connectors.wiseflow.lookup import MANUAL, FlowIds


class ManualAllocation(Exception):
    """The flow's allocation is manual in WISEflow; nothing was written."""


def guard(exc: Refused) -> None:
    """Raise :class:`ManualAllocation` for WISEflow's refusal of a manual flow, else the refusal itself."""
    if exc.status == 403 and exc.reason == MANUAL:
        raise ManualAllocation from exc
    raise exc


def reconcile(client: WiseflowClient, flow: FlowIds, desired: Mapping[str, str | None]) -> int:
    """Make every group hold exactly the participants FS allocates to it; return groups rewritten.

    ``desired`` maps kandidatnr (uniqueExamId) to the FS kommisjon id, or None for no commission.
    """
    wanted: dict[str, list[int]] = {external_id: [] for external_id in flow.groups}
    for kandidatnr, external_id in desired.items():
        pid = flow.by_exam_id.get(kandidatnr)
        if pid is not None and external_id in wanted:
            wanted[external_id].append(pid)
    rewritten = 0
    try:
        for external_id, group in flow.groups.items():
            if sorted(group.get("participantIds", [])) == sorted(wanted[external_id]):
                continue
            client.call(
                "PUT",
                f"flows/{flow.flow_id}/assessor-groups/{group['id']}/allocations/participants",
                "allocate participants",
                {"participantIds": wanted[external_id]},
            )
            group["participantIds"] = wanted[external_id]
            rewritten += 1
    except Refused as exc:
        guard(exc)
    return rewritten
