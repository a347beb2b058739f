"""Read marked grades back from WISEflow, for the grade export to FS.

For each participant with a grade or an administrative grade: kandidatnr (the participant's
``uniqueExamId``), the grade, the administrative grade, and the FS personløpenummer of the
assessors who marked it (their ``External user ID``). Only participants that came from FS (with a
uniqueExamId) are exported, as WISEflow's own SIS export does.

WISEflow 1.34.0's assessments listing names no assessors. Who marked is in the submission: the
legacy ``GET /flow/{flowId}/submission/{submissionId}`` (``submission-info``) lists the
submission's ``assessors`` (``{assessorId, userId}``) and its ``participants`` with their
``grade`` and ``adminGrade``; ``GET /flow/{flowId}/submissions`` lists the submissions.
"""

from __future__ import annotations

from dataclasses import dataclass

from edusync.connectors.wiseflow.client import WiseflowClient
from edusync.errors import FatalError


@dataclass(frozen=True, slots=True)
class Mark:
    kandidatnr: str
    grade: str | None
    admin_grade: str | None
    assessors: tuple[str, ...]  # FS personløpenummer
    unknown_assessors: int  # marking assessors without an FS id in WISEflow


def read_marks(client: WiseflowClient, flow_id: int) -> list[Mark]:
    participants = {
        int(p["participantId"]): str(p["uniqueExamId"])
        for p in client.pages(f"flows/{flow_id}/participants", f"participants of flow {flow_id}", 100)
        if p.get("uniqueExamId")
    }
    plnr: dict[int, str] = {}
    for a in client.call("GET", f"flow/{flow_id}/assessors", f"assessors of flow {flow_id}") or []:
        for ext in (a.get("user") or {}).get("externalIds") or []:
            if ext.get("name") == "External user ID":
                plnr[int(a["id"])] = str(ext["value"])
    submissions = client.call("GET", f"flow/{flow_id}/submissions", f"submissions of flow {flow_id}")
    if submissions is None:
        raise FatalError(f"WISEflow: flow {flow_id} has no submissions listing")
    marks = []
    for listed in submissions:
        what = f"submission {listed['id']} of flow {flow_id}"
        submission = client.call("GET", f"flow/{flow_id}/submission/{listed['id']}", what) or {}
        ids = [int(a["assessorId"]) for a in submission.get("assessors") or []]
        for item in submission.get("participants") or []:
            kandidatnr = participants.get(int(item["participantId"]))
            if kandidatnr is None or (item.get("grade") is None and item.get("adminGrade") is None):
                continue
            marks.append(
                Mark(
                    kandidatnr=kandidatnr,
                    grade=item.get("grade"),
                    admin_grade=item.get("adminGrade"),
                    assessors=tuple(plnr[a] for a in ids if a in plnr),
                    unknown_assessors=sum(1 for a in ids if a not in plnr),
                )
            )
    return marks
