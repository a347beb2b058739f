"""A real SFTP server (asyncssh) on a loopback port, in a thread, serving one folder as its root."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

USER, PASSWORD = "edusync", "hemmelig-passord"


@dataclass
class SftpServer:
    port: int
    host_key: str  # the server's public key, as sftp_host_key takes it
    client_key: str  # a private key the server accepts for USER


class _Auth(asyncssh.SSHServer):
    def __init__(self, client_public: asyncssh.SSHKey) -> None:
        self._client_public = client_public

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == USER and password == PASSWORD

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return username == USER and key.public_data == self._client_public.public_data


@contextmanager
def sftp_server(root: Path) -> Iterator[SftpServer]:
    """Serve ``root`` over SFTP on 127.0.0.1 until the block ends."""
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="sftp-server", daemon=True)
    thread.start()

    async def start() -> Any:
        return await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[host_key],
            server_factory=lambda: _Auth(client_key.convert_to_public()),
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root).encode()),
        )

    acceptor = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=15)
    try:
        yield SftpServer(
            port=acceptor.get_port(),
            host_key=host_key.export_public_key().decode().strip(),
            client_key=client_key.export_private_key().decode(),
        )
    finally:
        acceptor.close()
        asyncio.run_coroutine_threadsafe(acceptor.wait_closed(), loop).result(timeout=15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=15)
        loop.close()
