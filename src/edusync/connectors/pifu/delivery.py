"""Put a finished file where the receiver looks: atomically in a folder, and over SFTP.

A reader of the folder or of the remote directory never sees half a file: both
are written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import asyncssh

from edusync.errors import FatalError, RetriableError

if TYPE_CHECKING:  # published.py imports this module; only the type checker needs its settings back
    from edusync.connectors.pifu.published import PublishedSettings

T = TypeVar("T")


def publish(tmp: Path, final: Path) -> None:
    """Make ``tmp`` durable and rename it to ``final`` in one step."""
    with tmp.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, final)
    with contextlib.suppress(OSError):  # not every file system lets a folder be fsynced
        fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def prune(folder: Path, prefix: str, keep: int, suffix: str = ".xml") -> list[Path]:
    """Delete all but the newest ``keep`` published files (names sort by run)."""
    files = sorted(folder.glob(f"{prefix}-run*{suffix}"))
    gone = files[:-keep] if keep else files
    for old in gone:
        with contextlib.suppress(OSError):
            old.unlink()
    return gone


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from synchronous code, also when the calling thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _known_hosts(s: PublishedSettings, base: Path) -> Any:
    if s.sftp_host_key:
        try:
            return ([asyncssh.import_public_key(s.sftp_host_key)], [], [])
        except (asyncssh.KeyImportError, ValueError) as exc:
            raise FatalError(f"sftp_host_key is not an SSH public key: {exc}") from exc
    if s.sftp_known_hosts:
        path = s.sftp_known_hosts if s.sftp_known_hosts.is_absolute() else base / s.sftp_known_hosts
        return str(path)
    return ()  # asyncssh's default: ~/.ssh/known_hosts


def _client_keys(s: PublishedSettings) -> list[Any] | None:
    if s.sftp_private_key is None:
        return None
    phrase = s.sftp_passphrase.get_secret_value() if s.sftp_passphrase else None
    try:
        return [asyncssh.import_private_key(s.sftp_private_key.get_secret_value(), phrase)]
    except (asyncssh.KeyImportError, ValueError) as exc:
        raise FatalError(f"sftp_private_key cannot be read: {exc}") from exc


async def _upload(s: PublishedSettings, base: Path, local: Path, name: str) -> None:
    password = s.sftp_password.get_secret_value() if s.sftp_password else None
    async with (
        asyncssh.connect(
            s.sftp_host,
            port=s.sftp_port,
            username=s.sftp_username,
            password=password,
            client_keys=_client_keys(s),
            known_hosts=_known_hosts(s, base),
            connect_timeout=s.sftp_timeout,
        ) as conn,
        conn.start_sftp_client() as sftp,
    ):
        remote = f"{s.sftp_dir.rstrip('/')}/{name}"
        part = f"{s.sftp_dir.rstrip('/')}/.{name}.part"
        await sftp.put(str(local), part)
        if await sftp.exists(remote):
            await sftp.remove(remote)  # re-delivery of the same change set replaces it
        await sftp.rename(part, remote)


def upload(s: PublishedSettings, base: Path, local: Path, name: str) -> None:
    """Copy ``local`` into ``sftp_dir`` on ``sftp_host`` as ``name``, atomically.

    A refused login or an unknown host key is fatal (the config must change); a
    network failure is retriable (the file stays pending and goes with the next attempt).
    """
    try:
        _run(asyncio.wait_for(_upload(s, base, local, name), timeout=s.sftp_timeout * 10))
    except (asyncssh.PermissionDenied, asyncssh.HostKeyNotVerifiable) as exc:
        raise FatalError(f"sftp {s.sftp_host}:{s.sftp_port}: {exc.reason}") from exc
    except asyncssh.SFTPError as exc:
        raise RetriableError(f"sftp {s.sftp_host}:{s.sftp_port}: {exc.reason}") from exc
    except (asyncssh.Error, OSError, TimeoutError) as exc:
        raise RetriableError(f"sftp {s.sftp_host}:{s.sftp_port}: {exc}") from exc
