"""Asynchronous FINT writes of the Feide name (elev.feidenavn, skoleressurs.feidenavn).

FINT accepts a ``PUT`` of the whole resource with ``202`` and a
``Location: /{domain}/{package}/{class}/status/<id>``; the client polls that URL
(fint-core-consumer's ``ResourceController``): ``202`` while the adapter works,
then ``201`` with the resource and its ``Location`` (done), ``400`` (rejected by
the source system), ``409`` (a conflict, with the resource it conflicts with) or
``500`` (failed, try again); ``410`` for a status id it does not know or no longer
keeps (the status is lost, not the resource). A status lives for 30 minutes.

The sandbox applies a write when its status is first resolved, and rejects what
the source systems reject: a Feide name that is not ``user@realm``, or one that
another person already has. Outcomes can be forced for the next writes, so a
connector's handling of each answer can be tested.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

from edusync.sandbox.fint.catalog import BY_PATH, View
from edusync.sandbox.fint.county import County

Outcome = Literal["accept", "reject", "error", "gone", "conflict"]
STATUS_TTL = 30 * 60
_FORCED_STATUS = {"reject": 400, "error": 500, "conflict": 409}


@dataclass
class Job:
    view: View
    pos: int
    body: Any
    created: float
    polls_left: int
    forced: Outcome | None
    status: int | None = None
    message: str = ""
    #: the resource a 409 conflicts with: (view, position)
    conflict: tuple[View, int] | None = None


class Writes:
    """Pending and finished write jobs."""

    def __init__(self, county: County, *, pending_polls: int = 1) -> None:
        self.county = county
        self.pending_polls = pending_polls
        self.jobs: dict[str, Job] = {}
        self.forced: deque[Outcome] = deque()
        self._lock = threading.Lock()

    def force(self, outcome: Outcome, count: int = 1) -> None:
        """The next ``count`` writes end with ``outcome`` whatever their content."""
        with self._lock:
            self.forced.extend([outcome] * count)

    def submit(self, view: View, pos: int, body: Any) -> str:
        with self._lock:
            now = time.monotonic()
            self.jobs = {k: j for k, j in self.jobs.items() if now - j.created < STATUS_TTL}
            forced = self.forced.popleft() if self.forced else None
            job_id = str(uuid.uuid4())
            self.jobs[job_id] = Job(view, pos, body, now, self.pending_polls, forced)
            return job_id

    def poll(self, job_id: str) -> Job | None:
        """The job after one more poll: ``status`` None while still pending; None when unknown or lost."""
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None or time.monotonic() - job.created >= STATUS_TTL:
                return None
            if job.forced == "gone":  # the status is lost (a consumer restarted): the write was not applied
                del self.jobs[job_id]
                return None
            if job.status is None:
                if job.polls_left > 0:
                    job.polls_left -= 1
                    return job
                self._resolve(job)
            return job

    def _resolve(self, job: Job) -> None:
        if job.forced is not None and job.forced != "accept":
            job.status, job.message = _FORCED_STATUS[job.forced], f"forced outcome: {job.forced}"
            if job.forced == "conflict":
                job.conflict = (job.view, job.pos)
            return
        problem = self._check(job)
        if problem:
            job.status, job.message = 400, problem
            return
        holder = self._holder(job)
        if holder is not None:
            job.status, job.message, job.conflict = 409, "feidenavn is already used by another person", holder
            return
        county = self.county
        with county.lock:
            table = job.view.table(county)
            county.tick()
            table.rows[job.pos].feidenavn = _ident(job.body, "feidenavn")
            county.touch(table, job.pos)
        job.status = 201

    def _check(self, job: Job) -> str:
        """Why the source system would refuse this write ('' when it would not)."""
        county = self.county
        body = job.body
        table = job.view.table(county)
        if not isinstance(body, dict):
            return "the body must be the whole resource as a JSON object"
        if _ident(body, "systemId") != table.sid(job.pos):
            return "systemId in the body does not match the resource"
        value = _ident(body, "feidenavn")
        if not value:
            return "feidenavn is missing"
        user, at, realm = value.rpartition("@")
        if not at or not user or "." not in realm or " " in value:
            return "feidenavn must look like user@realm"
        return ""

    def _holder(self, job: Job) -> tuple[View, int] | None:
        """The elev or skoleressurs of another person that has this Feide name already (a conflict)."""
        county = self.county
        value = _ident(job.body, "feidenavn") or ""
        with county.lock:
            mine = self._fnr(job.view.name, job.pos)
            for other, path in (("elev", "/utdanning/elev/elev"), ("skoleressurs", "/utdanning/elev/skoleressurs")):
                holder_table = county.elev if other == "elev" else county.skoleressurs
                holder = holder_table.lookup("feidenavn", value, lambda r: r.feidenavn)
                if holder is not None and self._fnr(other, holder) != mine:
                    return BY_PATH[path], holder
        return None

    def _fnr(self, kind: str, pos: int) -> str:
        """The person behind an elev or skoleressurs, to allow one Feide name per person."""
        county = self.county
        if kind == "elev":
            return county.person.sid(county.elev.rows[pos].person)
        return county.hrm_person.sid(county.skoleressurs.rows[pos].person)


def _ident(body: dict[str, Any], key: str) -> str | None:
    """``body[key].identifikatorverdi`` when it is a non-empty string."""
    value = body.get(key)
    found = value.get("identifikatorverdi") if isinstance(value, dict) else None
    return found if isinstance(found, str) and found else None
