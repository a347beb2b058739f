"""Talking SCIM 2.0 to one service: scim2-client builds and checks every message, edusync's HTTP layer sends it.

scim2-client (with scim2-models) turns resources into RFC 7643/7644 payloads, validates what the
service answers against the schemas it published, and adds ``If-Match`` when the service offers
ETags. It leaves the transport to an engine: :class:`_Engine` sends through
:func:`edusync.connectors.http.request`, so retries, backoff and what a failure means are the
project's (a create whose answer was lost is not sent again blindly: the connector finds it by
``externalId`` first on the next attempt).

- a timeout, a dropped connection or a 5xx after the last retry: :class:`~edusync.errors.RetriableError`;
- 401 or 403: :class:`~edusync.errors.FatalError` (every further call would be refused too);
- any other 4xx: the service's SCIM ``Error``, returned to the caller, who fails that one change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import httpx
from scim2_client import SCIMClientException
from scim2_client.client import BaseSyncSCIMClient
from scim2_models import (
    BulkRequest,
    BulkResponse,
    EnterpriseUser,
    Error,
    Group,
    ListResponse,
    PatchOp,
    Resource,
    SCIMException,
    ScimFilter,
    SearchRequest,
    ServiceProviderConfig,
    User,
)

from edusync.connectors import http
from edusync.connectors.scim.settings import ScimSettings
from edusync.errors import FatalError
from edusync.model.fnr import mask_text

ScimUser = User[EnterpriseUser]
#: The statuses the service's own SCIM Error explains (401 and 403 stay fatal in the HTTP layer).
_SCIM_ERRORS = tuple(s for s in range(400, 500) if s not in (401, 403))
#: Writes that may be sent twice: a replace, a patch or a delete ends in the same state.
_SAFE = frozenset({"GET", "PUT", "PATCH", "DELETE"})


class _Engine(BaseSyncSCIMClient):
    """scim2-client's request engine over edusync's HTTP layer (httpx, retries, errors that name the service)."""

    def __init__(self, client: httpx.Client, settings: ScimSettings, system: str) -> None:
        super().__init__(raise_scim_errors=False)
        self.client, self.settings, self.system = client, settings, system
        #: Requests sent, by method (the benchmark and the tests count them).
        self.sent: dict[str, int] = {}

    def _stays_under_base_url(self, endpoint: str) -> bool:
        url = self.client.build_request("GET", endpoint).url
        base = self.client.base_url
        return url.host == base.host and url.port == base.port and url.path.startswith(base.path.rstrip("/"))

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self.sent[method] = self.sent.get(method, 0) + 1
        s = self.settings
        return http.request(
            self.client,
            method,
            url,
            what=f"{method} {url.split('?')[0]}",
            system=self.system,
            retries=s.retries,
            backoff=s.backoff,
            ok_statuses=_SCIM_ERRORS,
            idempotent=method in _SAFE or url.endswith("/.search"),
            **kwargs,
        )


@dataclass(frozen=True)
class Features:
    """What the service's ``/ServiceProviderConfig`` says it supports."""

    patch: bool
    bulk: bool
    bulk_operations: int
    bulk_payload: int
    filter: bool
    max_results: int | None
    etag: bool

    @classmethod
    def of(cls, config: ServiceProviderConfig | None) -> Features:
        def on(part: Any) -> bool:
            return bool(part is not None and part.supported)

        c = config
        bulk = c.bulk if c is not None else None
        filt = c.filter if c is not None else None
        return cls(
            patch=on(c.patch if c else None),
            bulk=on(bulk),
            bulk_operations=(bulk.max_operations or 1) if bulk is not None else 1,
            bulk_payload=(bulk.max_payload_size or 1_048_576) if bulk is not None else 1_048_576,
            filter=on(filt),
            max_results=filt.max_results if filt is not None else None,
            etag=on(c.etag if c else None),
        )


class Refused(Exception):
    """The service refused one request with a SCIM Error (or scim2-client refused to send or read it)."""

    def __init__(self, status: int | None, scim_type: str | None, detail: str) -> None:
        super().__init__(detail)
        self.status, self.scim_type, self.detail = status, scim_type, detail

    @classmethod
    def of(cls, error: Error) -> Refused:
        status = int(error.status) if error.status is not None else None
        scim_type = str(error.scim_type) if error.scim_type is not None else None
        return cls(status, scim_type, mask_text(error.detail or "no detail"))

    def explain(self) -> str:
        parts = [f"HTTP {self.status}" if self.status else "refused"]
        if self.scim_type:
            parts.append(self.scim_type)
        return f"{' '.join(parts)}: {self.detail}"


class ScimClient:
    """One service: its features, paged searches by ``externalId``, and the writes, each answer checked."""

    def __init__(self, settings: ScimSettings, name: str, transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Accept": "application/scim+json"}
        if settings.token is not None:
            headers["Authorization"] = f"Bearer {settings.token.get_secret_value()}"
        self.http = httpx.Client(
            base_url=settings.url + "/", headers=headers, timeout=settings.timeout, transport=transport
        )
        self.settings, self.system = settings, f"SCIM service {settings.url} ({name})"
        self.engine = _Engine(self.http, settings, self.system)
        self._features: Features | None = None

    @property
    def sent(self) -> dict[str, int]:
        return self.engine.sent

    @property
    def features(self) -> Features:
        """Read once per connection: ``/ResourceTypes``, ``/Schemas`` and ``/ServiceProviderConfig``."""
        if self._features is None:
            self.engine.discover()
            self._features = Features.of(self.engine.provider.config)
            if not self._features.filter:
                raise FatalError(f"{self.system} supports no filter: edusync finds its resources by externalId")
        return self._features

    # -- reading ----------------------------------------------------------------------------

    def _page(self, model: type[Resource[Any]], query: SearchRequest[Any]) -> ListResponse[Any]:
        found = self._call(lambda: self.engine.query(model, query_parameters=query))
        if not isinstance(found, ListResponse):
            raise FatalError(f"{self.system}: a search of {model.__name__} answered {type(found).__name__}")
        return found

    def search(self, model: type[Resource[Any]], scim_filter: str | None) -> Iterator[Resource[Any]]:
        """Every resource the filter matches, page by page (``startIndex``/``count``) until ``totalResults``."""
        count = self.settings.page_size
        if self.features.max_results:
            count = min(count, self.features.max_results)
        start = 1
        while True:
            page = self._page(model, SearchRequest(filter=scim_filter, start_index=start, count=count))
            resources = page.resources or []
            yield from resources
            start += len(resources)
            if not resources or page.total_results is None or start > page.total_results:
                return

    def find(self, model: type[Resource[Any]], external_ids: set[str]) -> dict[str, Resource[Any]]:
        """The resources holding these ``externalId`` values, by value (filters of ``filter_keys`` values each)."""
        wanted = sorted(external_ids)
        out: dict[str, Resource[Any]] = {}
        step = self.settings.filter_keys
        for i in range(0, len(wanted), step):
            chunk = wanted[i : i + step]
            scim_filter = " or ".join(f"externalId eq {ScimFilter.quote(v)}" for v in chunk)
            for resource in self.search(model, scim_filter):
                if resource.external_id in external_ids:
                    out[resource.external_id] = resource
        return out

    # -- writing ----------------------------------------------------------------------------

    def create(self, resource: Resource[Any]) -> Resource[Any]:
        return cast("Resource[Any]", self._call(lambda: self.engine.create(resource)))

    def _if_match(self, version: str | None) -> dict[str, Any]:
        """``If-Match`` with the version the resource was read at, when the service offers ETags (RFC 7644 §3.14)."""
        return {"headers": {"If-Match": version}} if version and self.features.etag else {}

    def replace(self, resource: Resource[Any], version: str | None) -> Resource[Any]:
        resource.meta = None
        kwargs = self._if_match(version)
        return cast("Resource[Any]", self._call(lambda: self.engine.replace(resource, **kwargs)))

    def patch(
        self, model: type[Resource[Any]], rid: str, patch: PatchOp[Any], version: str | None
    ) -> Resource[Any] | None:
        """PATCH one resource; None when the service answered 204."""
        kwargs = self._if_match(version)
        return cast("Resource[Any] | None", self._call(lambda: self.engine.modify(model, rid, patch, **kwargs)))

    def delete(self, model: type[Resource[Any]], rid: str, version: str | None) -> None:
        kwargs = self._if_match(version)
        self._call(lambda: self.engine.delete(model, rid, **kwargs))

    def bulk(self, request: BulkRequest[Any]) -> BulkResponse[Any]:
        """One ``/Bulk`` request; each operation's own status is in the answer."""
        return cast("BulkResponse[Any]", self._call(lambda: self.engine.bulk(request)))

    def endpoint(self, model: type[Resource[Any]]) -> str:
        """Where the service serves a resource type (``/Users``), from its ``/ResourceTypes``."""
        _ = self.features
        return "/" + self.engine.resource_endpoint(model).strip("/")

    def _call(self, send: Any) -> Any:
        try:
            answer = send()
        except SCIMException as exc:  # refused by scim2-client before sending, or a payload it could not read
            error = exc.to_error()
            status, scim_type = int(error.status or 0) or None, str(error.scim_type or "") or None
            raise Refused(status, scim_type, mask_text(str(exc))) from None
        except SCIMClientException as exc:
            raise Refused(None, None, mask_text(f"{type(exc).__name__}: {exc}")) from exc
        if isinstance(answer, Error):
            raise Refused.of(answer)
        return answer

    def close(self) -> None:
        self.http.close()


__all__ = ["Features", "Group", "Refused", "ScimClient", "ScimUser"]
