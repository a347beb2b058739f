"""scim2-server's ASGI application on a loopback port, with controls for the tests."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

import uvicorn
from scim2_models import Required, Schema, ScimProvider
from scim2_server.applications.asgi import ASGIApplication
from scim2_server.memory import AsyncInMemoryStorage, InMemoryStorage
from scim2_server.utils import load_default_resource_types, load_default_schemas, load_default_service_provider_config

from edusync.sandbox.serving import free_port
from edusync.testing.exchanges import ASGIApp, Message, Receive, Scope, Send, conformed

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def provider(
    *,
    patch: bool = True,
    bulk: bool = True,
    etag: bool = True,
    max_results: int = 1000,
    bulk_operations: int = 1000,
    required: tuple[str, ...] = (),
) -> ScimProvider:
    """The service's description: RFC 7643's schemas and resource types, and what its config announces.

    ``required`` names User attributes the service's own schema makes required (as some
    services require ``emails``); the service then refuses a user without them.
    """
    config = load_default_service_provider_config()
    assert config.patch and config.bulk and config.etag and config.filter
    config.patch.supported = patch
    config.bulk.supported = bulk
    config.bulk.max_operations = bulk_operations
    config.etag.supported = etag
    config.filter.max_results = max_results
    schemas: list[Schema] = list(load_default_schemas().values())
    if required:
        for schema in schemas:
            if schema.id == "urn:ietf:params:scim:schemas:core:2.0:User":
                for attribute in schema.attributes or []:
                    if attribute.name in required:
                        attribute.required = Required.true
    return ScimProvider.from_discovery(schemas, load_default_resource_types().values(), config=config)


@dataclass
class Controls:
    """What the service does to the next requests (set by a test, read by the wrapper)."""

    #: Stop answering after this many more writes: the write is carried out, its answer never sent.
    hang_after_writes: int | None = None
    #: ``externalId`` values whose resource is deleted just before the next write to it reaches the service.
    vanish: set[str] = field(default_factory=set)
    #: Requests served, by method and path prefix (``POST /Users``).
    counts: dict[str, int] = field(default_factory=dict)
    hung: threading.Event = field(default_factory=threading.Event)


class _Wrapper:
    """Counts requests and applies :class:`Controls` around scim2-server's app."""

    def __init__(self, app: ASGIApp, storage: InMemoryStorage, controls: Controls) -> None:
        self.app, self.storage, self.controls = app, storage, controls
        self.state = SimpleNamespace(system="scim")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        c = self.controls
        method, path = scope["method"], scope["path"]
        parts = path.removeprefix("/v2").strip("/").split("/")
        name = f"{method} /{parts[0]}" + ("/{id}" if len(parts) > 1 else "")
        c.counts[name] = c.counts.get(name, 0) + 1
        if method in WRITES and len(parts) > 1 and c.vanish:
            self._vanish(parts[1])
        if method in WRITES and c.hang_after_writes is not None:
            c.hang_after_writes -= 1
            if c.hang_after_writes < 0:
                c.hang_after_writes = None

                async def swallow(message: Message) -> None:
                    return None

                await self.app(scope, receive, swallow)  # carried out, the answer lost
                c.hung.set()
                await asyncio.Event().wait()  # until the server is stopped
                return
        await self.app(scope, receive, send)

    def _vanish(self, rid: str) -> None:
        for resource in list(self.storage.resources):
            if resource.id == rid and resource.external_id in self.controls.vanish:
                self.controls.vanish.discard(resource.external_id)
                self.storage.resources = [r for r in self.storage.resources if r.id != rid]


def create_app(
    storage: InMemoryStorage | None = None, controls: Controls | None = None, **features: Any
) -> tuple[_Wrapper, InMemoryStorage, Controls]:
    """scim2-server's ASGI app over an in-memory storage (kept by the caller, so a restart keeps the resources)."""
    storage = storage or InMemoryStorage()
    controls = controls or Controls()
    app = ASGIApplication(AsyncInMemoryStorage(storage), provider(**features))
    return _Wrapper(cast(ASGIApp, app), storage, controls), storage, controls


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # a thread may not install them
        return None


class ScimServer:
    """scim2-server in a thread on a loopback port; ``restart`` serves the same resources on the same port."""

    def __init__(self, port: int | None = None, **features: Any) -> None:
        self.port = port or free_port()
        self.features = features
        self.app, self.storage, self.controls = create_app(**features)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v2"

    def start(self) -> ScimServer:
        config = uvicorn.Config(
            conformed(self.app), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
            timeout_graceful_shutdown=1,
        )  # fmt: skip
        self._server = _Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"scim2-server-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"scim2-server did not start on port {self.port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
        self._server = self._thread = None

    def restart(self) -> None:
        """Stop, then serve again on the same port with the same resources, as a restarted service would."""
        self.stop()
        self.app, _, _ = create_app(self.storage, self.controls, **self.features)
        self.start()

    def __enter__(self) -> ScimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def by_external_id(self, resource_type: str) -> dict[str, Any]:
        """What the service holds of one resource type, by externalId, as SCIM JSON (for the tests' comparisons)."""
        out: dict[str, Any] = {}
        for resource in self.storage.resources:
            if resource.meta is not None and resource.meta.resource_type == resource_type:
                out[str(resource.external_id)] = resource.model_dump()
        return out
