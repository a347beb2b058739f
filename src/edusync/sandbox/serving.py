"""Serve an ASGI app on a loopback port, in the foreground or in a background thread.

The sandboxes and the tests both use this, so that every test talks real HTTP.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

from edusync.testing.exchanges import conformed


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # a thread may not install them
        return None


@contextlib.contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """Run ``app`` on ``host:port`` in a daemon thread; yield its base URL; stop it on exit."""
    port = port or free_port(host)
    config = uvicorn.Config(conformed(app), host=host, port=port, log_level="warning", lifespan="off")
    server = _Server(config)
    thread = threading.Thread(target=server.run, name=f"sandbox-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"sandbox did not start on {host}:{port}")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def serve_forever(app: Any, host: str, port: int) -> None:
    """Serve ``app`` until interrupted (for ``edusync sandbox ...``)."""
    uvicorn.run(conformed(app), host=host, port=port, log_level="info")
