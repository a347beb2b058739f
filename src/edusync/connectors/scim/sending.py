"""A batch's writes to a SCIM service: one request each, or packed into ``/Bulk`` requests (RFC 7644 §3.7).

Every write knows the change it is for, and each gets its own outcome: bulk answers carry one
status per operation, matched by ``bulkId`` (the change's id), never by position. A bulk
request stays within the service's ``maxOperations`` and ``maxPayloadSize``, and
``failOnErrors`` is left unset, so one refused operation does not stop the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from scim2_models import BulkOperation, BulkRequest, BulkResponse, Context, Error, Group, PatchOp, Resource

from edusync import faults
from edusync.connectors.scim.client import Features, Refused, ScimClient, ScimUser
from edusync.connectors.scim.mapping import View
from edusync.model.records import Change

Both = ScimUser | Group
Method = Literal["POST", "PUT", "PATCH", "DELETE"]


@dataclass
class Write:
    """One request for one change: what it sends, to which resource, and what it leaves."""

    change: Change
    kind: str  # user or group
    method: Method
    endpoint: str  # /Users or /Groups
    rid: str | None  # the resource's id, for all but POST
    version: str | None  # the version it was read at (sent as If-Match); None: unconditional
    data: Resource[Any] | PatchOp[Any] | None
    view: View | None  # what the resource holds afterwards (None: deleted)

    @property
    def path(self) -> str:
        return self.endpoint if self.rid is None else f"{self.endpoint}/{self.rid}"

    @property
    def model(self) -> type[Resource[Any]]:
        return ScimUser if self.kind == "user" else Group


@dataclass
class Outcome:
    write: Write
    error: Refused | None = None
    resource: Resource[Any] | None = None  # what a create or replace answered
    id: str | None = None  # the resource's id when known (a bulk create gives only its location)


class Sender:
    def __init__(self, client: ScimClient, *, bulk: bool, bulk_size: int) -> None:
        self.client, self.bulk, self.bulk_size = client, bulk, bulk_size

    def send(self, writes: list[Write]) -> Iterator[Outcome]:
        features = self.client.features
        if self.bulk and features.bulk and len(writes) > 1:
            for chunk in self._chunks(writes, features):
                yield from self._bulk(chunk) if len(chunk) > 1 else self._one(chunk[0])
        else:
            for write in writes:
                yield from self._one(write)

    def _one(self, write: Write) -> Iterator[Outcome]:
        c, rid = self.client, write.rid
        try:
            if write.method == "POST":
                assert isinstance(write.data, Resource)
                created = c.create(write.data)
                faults.reach("scim.wrote")
                yield Outcome(write, resource=created, id=created.id)
            elif write.method == "PUT":
                assert isinstance(write.data, Resource) and rid is not None
                write.data.id = rid
                replaced = c.replace(write.data, write.version)
                faults.reach("scim.wrote")
                yield Outcome(write, resource=replaced, id=replaced.id)
            elif write.method == "PATCH":
                assert isinstance(write.data, PatchOp) and rid is not None
                patched = c.patch(write.model, rid, write.data, write.version)
                faults.reach("scim.wrote")
                yield Outcome(write, resource=patched, id=rid)
            else:
                assert rid is not None
                c.delete(write.model, rid, write.version)
                faults.reach("scim.wrote")
                yield Outcome(write, id=rid)
        except Refused as exc:
            yield Outcome(write, error=exc)

    # -- bulk ------------------------------------------------------------------------------

    def _operation(self, write: Write) -> BulkOperation[Both]:
        data = write.data
        if isinstance(data, Resource) and write.method == "PUT":
            data.id, data.meta = write.rid, None
        version = write.version if self.client.features.etag else None
        model = ScimUser if write.kind == "user" else Group
        return BulkOperation[model](  # type: ignore[valid-type]
            method=write.method, bulk_id=str(write.change.id), path=write.path, data=data, version=version
        )

    def _chunks(self, writes: list[Write], features: Features) -> Iterator[list[Write]]:
        """Runs of writes within the service's limits (the payload measured as it will be sent)."""
        most = min(self.bulk_size, features.bulk_operations)
        budget = int(features.bulk_payload * 0.9)  # room for the envelope and the client's own rendering
        chunk: list[Write] = []
        size = 0
        for write in writes:
            op = self._operation(write).model_dump(scim_ctx=Context.BULK_REQUEST)
            n = len(orjson.dumps(op))
            if chunk and (len(chunk) >= most or size + n > budget):
                yield chunk
                chunk, size = [], 0
            chunk.append(write)
            size += n
        if chunk:
            yield chunk

    def _bulk(self, chunk: list[Write]) -> Iterator[Outcome]:
        request = BulkRequest[ScimUser | Group](operations=[self._operation(w) for w in chunk])
        try:
            answer = self.client.bulk(request)
        except Refused as exc:  # the whole request refused (too large, malformed): each write fails with it
            for write in chunk:
                yield Outcome(write, error=exc)
            return
        faults.reach("scim.wrote")
        by_id = {op.bulk_id: op for op in (answer.operations or [])} if isinstance(answer, BulkResponse) else {}
        for write in chunk:
            op = by_id.get(str(write.change.id))
            if op is None:
                yield Outcome(write, error=Refused(None, None, "the bulk answer has no status for this operation"))
                continue
            status = int(op.status or 0)
            if status >= 400 or status == 0:
                error = op.response if isinstance(op.response, Error) else None
                yield Outcome(write, error=Refused.of(error) if error else Refused(status, None, "refused in bulk"))
                continue
            rid = write.rid
            if op.location:
                rid = str(op.location).rstrip("/").rsplit("/", 1)[-1]
            yield Outcome(write, id=rid)
