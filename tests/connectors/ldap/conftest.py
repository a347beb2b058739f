"""A real slapd for the LDAP connector tests, and connectors bound to a fresh subtree of it.

One slapd serves the whole session; each test gets its own base DN
(``ou=t<n>,dc=example,dc=no``) so tests never see each other's entries. Tests
that kill the server start one of their own with ``own_slapd``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edusync.connectors.ldap import LdapConnector, LdapSettings
from edusync.testing.slapd import Slapd, slapd_available

_bases = itertools.count(1)


def _need_slapd() -> None:
    if not slapd_available():
        if os.environ.get("CI") == "true":
            pytest.fail("slapd is not installed; .ci/run installs slapd and ldap-utils")
        pytest.skip("slapd is not installed (apt-get install slapd ldap-utils)")


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    _need_slapd()
    with Slapd(tmp_path_factory.mktemp("slapd")) as server:
        yield server


@pytest.fixture
def own_slapd(tmp_path: Path) -> Iterator[Slapd]:
    """A slapd for one test alone (to kill and restart)."""
    _need_slapd()
    server = Slapd(tmp_path / "slapd")
    server.start()
    yield server
    server.stop()


MakeConnector = Callable[..., LdapConnector]


def connector_for(server: Slapd, base_dn: str, **overrides: Any) -> LdapConnector:
    settings = {
        "url": server.url,
        "bind_dn": server.root_dn,
        "bind_password": server.password,
        "base_dn": base_dn,
        "timeout": 5,
        "connect_timeout": 2,
        **overrides,
    }
    return LdapConnector("catalogue", LdapSettings.model_validate(settings), Path("."))


@pytest.fixture
def base_dn(slapd: Slapd) -> str:
    dn = f"ou=t{next(_bases)},{slapd.suffix}"
    slapd.add_container(dn)
    return dn


@pytest.fixture
def make_connector(slapd: Slapd, base_dn: str) -> Iterator[MakeConnector]:
    made: list[LdapConnector] = []

    def make(**overrides: Any) -> LdapConnector:
        connector = connector_for(slapd, base_dn, **overrides)
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()
