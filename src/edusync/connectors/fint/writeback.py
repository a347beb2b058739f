"""Write the Feide name back to FINT (``elev.feidenavn`` and ``skoleressurs.feidenavn``).

FINT writes replace the whole resource and are asynchronous: the object is read,
its ``feidenavn`` set, PUT back to the URL of its ``systemId`` (FINT's updating.md
addresses a resource by an identifier; systemId is the one that does not change), and
the status polled until FINT says done (201), rejected (400), conflict (409: another
resource has that name) or failed (500: tried again next run). A 410 means FINT lost
the status, not the resource: the resource is read again to learn whether it took.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from edusync.connectors.fint.client import FintClient
from edusync.errors import EdusyncError, NotFound, RetriableError
from edusync.model.records import Change, ChangeResult, Op

CARRIERS = ("elev", "skoleressurs")


def _write_one(client: FintClient, change: Change) -> ChangeResult:
    if change.op not in (Op.ADD, Op.UPDATE, Op.RESTORE):
        return ChangeResult(change.id, True)  # FINT keeps a Feide name; nothing to undo there
    name = change.attrs.get("feidenavn")
    paths = [str(change.attrs[k]) for k in CARRIERS if change.attrs.get(k)]
    if not name or not paths:
        return ChangeResult(change.id, True)
    problems: list[str] = []
    retriable = False
    for path in paths:
        try:
            body = client.get(path)
        except NotFound:
            problems.append(f"{path.rsplit('/', 2)[0]}: not in FINT (404)")
            continue
        except RetriableError as exc:
            problems.append(str(exc))
            retriable = True
            continue
        current = (body.get("feidenavn") or {}).get("identifikatorverdi")
        if current == name:
            continue
        body["feidenavn"] = {"identifikatorverdi": name}
        try:
            outcome, detail = client.put_and_wait(path, body)
        except EdusyncError as exc:
            outcome, detail = "failed", str(exc)
        if outcome == "lost":
            outcome, detail = _check_lost(client, path, name)
        if outcome == "done":
            continue
        problems.append(f"{path.split('/')[3]}: {outcome}: {detail}")
        retriable = retriable or outcome == "failed"
    if problems:
        return ChangeResult(change.id, False, "; ".join(problems), retriable)
    return ChangeResult(change.id, True)


def _check_lost(client: FintClient, path: str, name: str) -> tuple[str, str]:
    """After a 410 from the status: read the resource; it holds the name (done) or not (failed, try again)."""
    try:
        body = client.get(path)
    except EdusyncError as exc:
        return "failed", f"the write's status was lost (410) and the resource could not be read: {exc}"
    if (body.get("feidenavn") or {}).get("identifikatorverdi") == name:
        return "done", ""
    return "failed", "the write's status was lost (410) and the resource does not have the name yet"


def write_back(client: FintClient, changes: Sequence[Change]) -> list[ChangeResult]:
    with ThreadPoolExecutor(client.s.parallel) as pool:
        return list(pool.map(lambda c: _write_one(client, c), changes))
