"""Grade export: grades marked in WISEflow go to FS, each once, each checked before it is sent.

``export_grades(KEY)`` reads the marks of the flow tagged with FS exam id KEY, checks each against
the exam's scale (FS's karakterskala), and sends the rest to FS with the marking assessors'
personløpenummer and the manager's Feide username. FS judges row by row; what it said about each
row is kept in ``target_objects`` (target = the fs connector, object type ``grade``, key
``examId|kandidatnr``, state ``accepted``, ``rejected`` or ``invalid``), which is how:

- an accepted grade is never sent again (a grade changed after it was accepted is reported, not sent);
- a rejected or invalid row is sent again only with ``retry_failed`` (or once its grade changed);
- a row that was never answered is sent next time, unless FS already holds exactly that grade:
  before sending, edusync reads what FS holds for the exam, so a POST whose answer was lost on
  the way back (FS stored the rows, edusync never heard) is not sent twice.

The POST itself is not retried once it may have reached FS (see :mod:`edusync.connectors.http`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from edusync import vault
from edusync.config.loader import LoadedConfig
from edusync.connectors.fs import ExamKey, FsConnector
from edusync.connectors.fs.scales import GradeInvalid, check
from edusync.connectors.http import ServerTrouble
from edusync.connectors.registry import connector_class
from edusync.connectors.wiseflow import Mark
from edusync.model.hashing import dumps, loads
from edusync.services.exams.sync import connector_of_type, open_wiseflow
from edusync.storage import Database, tables
from edusync.storage.audit import audit

Json = dict[str, Any]
GRADE = "grade"
DONE = ("accepted", "already_exported")


@dataclass(frozen=True, slots=True)
class RowOutcome:
    kandidatnr: str
    grade: str | None
    status: str  # accepted, rejected, invalid, already_exported, changed_after_export, rejected_earlier
    reason: str | None = None
    message: str | None = None


@dataclass
class GradeExport:
    exam_id: str
    flow_id: int
    scale: str
    rows: list[RowOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def complete(self) -> bool:
        """FS holds every marked grade as WISEflow has it; nothing waits for a person."""
        return all(r.status in DONE for r in self.rows)

    def as_dict(self) -> Json:
        return {
            "examId": self.exam_id,
            "flowId": self.flow_id,
            "scale": self.scale,
            "rows": [_row_json(r) for r in self.rows],
        }


def _row_json(r: RowOutcome) -> Json:
    return {"kandidatnr": r.kandidatnr, "grade": r.grade, "status": r.status, "reason": r.reason, "message": r.message}


def _digest(row: Json) -> str:
    text = dumps({k: row[k] for k in ("karakter", "administrativ", "sensorer")})
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def export_grades(
    loaded: LoadedConfig, db: Database, exam: str, *, retry_failed: bool = False, actor: str = "edusync"
) -> GradeExport:
    """Send the exam's marked grades to FS; what was sent, and what FS said, goes in the audit log."""
    key = ExamKey.parse(exam)
    fs_name = connector_of_type(loaded, "fs")
    fs = connector_class("fs")(fs_name, loaded.settings[fs_name], loaded.base_dir)
    wiseflow = open_wiseflow(loaded)
    assert isinstance(fs, FsConnector)
    try:
        scale = str(fs.fetch(key).get("karakterskala") or "")
        flow_id, marks = wiseflow.marks(key.id)
        manager = wiseflow.settings.manager
        report = GradeExport(key.id, flow_id, scale)
        earlier = _earlier(db, fs_name, key.id)
        to_send: list[Json] = []
        for mark in marks:
            outcome, row = _prepare(mark, scale, manager, earlier.get(mark.kandidatnr), retry_failed)
            if outcome is not None:
                report.rows.append(outcome)
                if outcome.status == "invalid":
                    _store(db, fs_name, key.id, row, "invalid", outcome.reason, outcome.message)
            else:
                to_send.append(row)
        if to_send:
            to_send = _not_held(db, fs, fs_name, key, to_send, report)
        if to_send:
            try:
                answer = fs.client.send_results(key, [_wire(r) for r in to_send])
            except ServerTrouble as exc:
                if not exc.maybe_done:
                    raise
                hint = "; export again: edusync asks FS what it holds first, so nothing is sent twice"
                raise ServerTrouble(str(exc) + hint, maybe_done=True) from exc
            for row, result in zip(to_send, answer["rows"], strict=True):
                status = "accepted" if result.get("status") == "ACCEPTED" else "rejected"
                reason, message = result.get("reason"), result.get("message")
                _store(db, fs_name, key.id, row, status, reason, message)
                report.rows.append(RowOutcome(row["kandidatnr"], row["karakter"], status, reason, message))
    finally:
        fs.close()
        wiseflow.close()
    report.rows.sort(key=lambda r: r.kandidatnr)
    _audit(db, actor, fs_name, report, sent=len(to_send))
    return report


def _audit(db: Database, actor: str, target: str, report: GradeExport, sent: int) -> None:
    counts = Counter(r.status for r in report.rows)
    with db.begin() as conn:
        audit(
            conn, actor, "grade-export", None, None, target=target, exam=report.exam_id, sent=sent, results=dict(counts)
        )


def _prepare(
    mark: Mark, scale: str, manager: str, before: Json | None, retry_failed: bool
) -> tuple[RowOutcome | None, Json]:
    shown = mark.admin_grade or mark.grade
    row: Json = {"kandidatnr": mark.kandidatnr, "karakter": shown, "administrativ": bool(mark.admin_grade)}
    row.update(sensorer=sorted(mark.assessors), saksbehandler=manager)
    try:
        checked = check(scale, mark.grade, mark.admin_grade)
    except GradeInvalid as exc:
        return RowOutcome(mark.kandidatnr, shown, "invalid", exc.reason, str(exc)), row
    row.update(karakter=checked.value, administrativ=checked.administrative)
    if mark.unknown_assessors and not checked.administrative:
        message = "an assessor who marked this candidate has no FS personløpenummer in WISEflow"
        return RowOutcome(mark.kandidatnr, checked.value, "invalid", "assessor_without_fs_id", message), row
    if before is not None:
        same = before["hash"] == _digest(row)
        state = before["state"]
        if state == "accepted":
            status = "already_exported" if same else "changed_after_export"
            note = None if same else f"FS already holds {before['attrs'].get('karakter')!r}; the change was not sent"
            return RowOutcome(mark.kandidatnr, checked.value, status, None, note), row
        if same and not retry_failed:
            attrs = before["attrs"]
            return RowOutcome(
                mark.kandidatnr, checked.value, "rejected_earlier", attrs.get("reason"), attrs.get("message")
            ), row
    return None, row


def _not_held(
    db: Database, fs: FsConnector, fs_name: str, key: ExamKey, rows: list[Json], report: GradeExport
) -> list[Json]:
    """The rows FS does not hold yet; those it holds exactly (an answer lost earlier) count as accepted."""
    held = {str(r.get("kandidatnr")): r for r in fs.client.results(key)}
    rest = []
    for row in rows:
        there = held.get(row["kandidatnr"])
        same = there is not None and (
            str(there.get("karakter")) == row["karakter"]
            and (there.get("resultatType") == "ADMINISTRATIV") == row["administrativ"]
            and sorted(str(s) for s in there.get("sensorer") or []) == sorted(str(s) for s in row["sensorer"])
        )
        if not same:
            rest.append(row)
            continue
        note = "FS already held this grade (an earlier answer was lost); not sent again"
        _store(db, fs_name, key.id, row, "accepted", None, note)
        report.rows.append(RowOutcome(row["kandidatnr"], row["karakter"], "accepted", None, note))
    return rest


def _wire(row: Json) -> Json:
    return {k: row[k] for k in ("kandidatnr", "karakter", "administrativ", "sensorer", "saksbehandler")} | {
        "sensorer": [int(s) if str(s).isdigit() else s for s in row["sensorer"]]
    }


def _earlier(db: Database, target: str, exam_id: str) -> dict[str, Json]:
    to = tables.target_objects
    query = select(to.c.key, to.c.hash, to.c.state, to.c.attrs).where(
        to.c.target == target, to.c.object_type == GRADE, to.c.key.startswith(exam_id + "|", autoescape=True)
    )
    with db.begin() as conn:
        rows = conn.execute(query).all()
    opened = vault.current().unseal_text
    return {k.rsplit("|", 1)[1]: {"hash": h, "state": s, "attrs": loads(opened(a))} for k, h, s, a in rows}


def _store(
    db: Database, target: str, exam_id: str, row: Json, state: str, reason: str | None, message: str | None
) -> None:
    attrs = {**row, "examId": exam_id, "reason": reason, "message": message, "at": dt.datetime.now(dt.UTC).isoformat()}
    record = {
        "target": target,
        "object_type": GRADE,
        "key": f"{exam_id}|{row['kandidatnr']}",
        "mv_id": None,
        "hash": _digest(row),
        "attrs": vault.current().seal_text(dumps(attrs)),
        "state": state,
        "run_id": 0,
    }
    with db.begin() as conn:
        db.upsert(conn, tables.target_objects, [record], ["target", "object_type", "key"])
