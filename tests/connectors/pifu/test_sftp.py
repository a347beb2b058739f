"""Delivery over SFTP to a real server on loopback: password and key logins, host keys, failures."""

from __future__ import annotations

from pathlib import Path

import asyncssh
import pytest

from edusync.connectors.pifu import PifuConnector
from edusync.errors import FatalError, RetriableError
from edusync.sandbox.serving import free_port
from tests.connectors.pifu.builders import county
from tests.connectors.pifu.conftest import assert_valid, make, written
from tests.connectors.pifu.sftp_server import PASSWORD, USER, SftpServer, sftp_server


def sftp_target(tmp_path: Path, server: SftpServer, **extra: object) -> PifuConnector:
    settings: dict[str, object] = {
        "sftp_host": "127.0.0.1",
        "sftp_port": server.port,
        "sftp_username": USER,
        "sftp_host_key": server.host_key,
        "sftp_dir": "/incoming",
        "sftp_timeout": 10,
        **extra,
    }
    return make(tmp_path, **settings)


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    folder = tmp_path / "remote"
    (folder / "incoming").mkdir(parents=True)
    return folder


@pytest.mark.parametrize("login", ["password", "key"])
def test_each_file_is_delivered_whole_under_its_own_name(tmp_path: Path, remote: Path, login: str) -> None:
    with sftp_server(remote) as server:
        secret = {"sftp_password": PASSWORD} if login == "password" else {"sftp_private_key": server.client_key}
        conn = sftp_target(tmp_path, server, **secret)
        conn.begin_export(1, 1)
        conn.export(county())
        conn.finish_export()
        conn.close()
    delivered = sorted((remote / "incoming").iterdir())
    assert [p.name for p in delivered] == ["lms-run000001-cs1-full.xml"], "no .part file is left behind"
    assert delivered[0].read_bytes() == written(tmp_path / "out")[0].read_bytes()
    assert_valid(delivered[0])


def test_a_wrong_password_or_an_unknown_host_key_is_fatal_and_publishes_nothing(tmp_path: Path, remote: Path) -> None:
    other_host = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    with sftp_server(remote) as server:
        for bad in ({"sftp_password": "feil"}, {"sftp_password": PASSWORD, "sftp_host_key": other_host}):
            conn = sftp_target(tmp_path, server, **bad)
            conn.begin_export(1, 1)
            conn.export(county())
            with pytest.raises(FatalError, match=f"sftp 127.0.0.1:{server.port}"):
                conn.finish_export()
            conn.close()
    assert list((remote / "incoming").iterdir()) == []
    assert written(tmp_path / "out") == [], "a file that was not delivered is not published locally either"


def test_an_unreachable_server_is_retriable_and_the_next_attempt_delivers_everything(
    tmp_path: Path, remote: Path
) -> None:
    with sftp_server(remote) as server:
        key = server.host_key
    down = SftpServer(port=free_port(), host_key=key, client_key="")
    conn = sftp_target(tmp_path, down, sftp_password=PASSWORD, sftp_timeout=2)
    conn.begin_export(1, 1)
    changes = county()
    conn.export(changes)
    with pytest.raises(RetriableError):
        conn.finish_export()
    assert conn.confirm(changes) == {c.id for c in changes}, "the changes wait for the next attempt"
    conn.close()
    with sftp_server(remote) as server:
        again = sftp_target(tmp_path, server, sftp_password=PASSWORD)
        again.begin_export(1, 1)
        again.finish_export()
        again.close()
    (delivered,) = (remote / "incoming").iterdir()
    assert assert_valid(delivered).xpath("count(//*[local-name()='person'])") == 3
