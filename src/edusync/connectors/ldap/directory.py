"""The LDAP connection: bind, paged reads of entries by key, containers, and error wording.

Errors are sorted by what happens next: a server that cannot be reached or stops
answering is :class:`~edusync.errors.RetriableError` (the next run tries again);
a refused bind or a failed StartTLS is :class:`~edusync.errors.FatalError` (the
configuration is wrong, and trying every change would only lock the account).
"""

from __future__ import annotations

import contextlib
import re
import ssl
from collections.abc import Iterable
from dataclasses import dataclass

from ldap3 import LEVEL, NONE, Connection, Server, Tls
from ldap3.core.exceptions import (
    LDAPCommunicationError,
    LDAPEntryAlreadyExistsResult,
    LDAPException,
    LDAPNoSuchObjectResult,
    LDAPOperationResult,
    LDAPResponseTimeoutError,
    LDAPSocketReceiveError,
)
from ldap3.utils.conv import escape_filter_chars

from edusync.connectors.ldap.settings import LdapSettings
from edusync.errors import FatalError, RetriableError

#: Passing conditions: busy, unavailable, time or admin limit, server down, timeout, connect error.
RETRY_CODES = frozenset({3, 11, 51, 52, 80, 81, 85, 91})
#: Network trouble: the server went away or stopped answering in time.
LOST = (LDAPCommunicationError, LDAPResponseTimeoutError, LDAPSocketReceiveError, OSError)
_DIGITS11 = re.compile(r"(?<!\d)(\d{6})\d{5}(?!\d)")
KEYS_PER_FILTER = 100


def quiet(message: str) -> str:
    """A server message with anything shaped like a fødselsnummer masked."""
    return _DIGITS11.sub(r"\1*****", message)


def describe(exc: LDAPOperationResult, dn: str) -> str:
    """``<dn>: LDAP <name> (<code>): <server message>``, for a change's error."""
    message = quiet(str(exc.message or "").strip())
    return f"{dn}: LDAP {exc.description} ({exc.result})" + (f": {message}" if message else "")


@dataclass
class Found:
    """What the directory holds for one key: the live entry (if any) and a trashed one (if any)."""

    dn: str | None = None
    values: dict[str, list[str]] | None = None
    trash_dn: str | None = None
    trash_values: dict[str, list[str]] | None = None


class Directory:
    """One lazily opened, bound connection to the catalogue."""

    def __init__(self, settings: LdapSettings, name: str) -> None:
        self.settings, self.name = settings, name
        self._conn: Connection | None = None

    @property
    def where(self) -> str:
        return f"LDAP server {self.settings.url} (connector {self.name!r})"

    def connection(self) -> Connection:
        """The bound connection, opened on first use and after :meth:`drop`."""
        if self._conn is not None:
            return self._conn
        s = self.settings
        tls = None
        if s.use_ssl or s.start_tls:
            ca = str(s.ca_file) if s.ca_file else None
            tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca)
        server = Server(
            s.host, port=s.port, use_ssl=s.use_ssl, tls=tls, connect_timeout=s.connect_timeout, get_info=NONE
        )
        conn = Connection(
            server,
            user=s.bind_dn,
            password=s.bind_password.get_secret_value(),
            receive_timeout=int(s.timeout),
            raise_exceptions=True,
            read_only=False,
        )
        try:
            conn.open()
            if s.start_tls and not s.use_ssl:
                conn.start_tls()
            conn.bind()
        except LDAPOperationResult as exc:
            conn.unbind()
            if exc.result in RETRY_CODES:
                raise RetriableError(
                    f"{self.where}: bind as {s.bind_dn} failed for now: {describe(exc, s.bind_dn)}"
                ) from exc
            raise FatalError(
                f"{self.where}: bind as {s.bind_dn} was refused: {exc.description} ({exc.result}); "
                "check bind_dn and bind_password"
            ) from exc
        except LOST as exc:
            raise RetriableError(f"{self.where} cannot be reached: {exc}") from exc
        except LDAPException as exc:  # StartTLS refused, certificate not trusted
            raise FatalError(f"{self.where}: cannot set up the connection: {exc}") from exc
        self._conn = conn
        return conn

    def drop(self) -> None:
        """Forget the connection (after it broke); the next use opens a new one."""
        if self._conn is not None:
            with contextlib.suppress(LDAPException):
                self._conn.unbind()
            self._conn = None

    def read(
        self, base: str, rdn: str, keys: Iterable[str], attributes: list[str]
    ) -> dict[str, tuple[str, dict[str, list[str]]]]:
        """Entries directly under ``base`` whose ``rdn`` attribute is one of ``keys``, read with paged searches.

        Returns key → (DN, attribute values with lower-cased names). A missing
        ``base`` means no entries.
        """
        conn = self.connection()
        wanted = sorted(set(keys))
        found: dict[str, tuple[str, dict[str, list[str]]]] = {}
        for i in range(0, len(wanted), KEYS_PER_FILTER):
            chunk = wanted[i : i + KEYS_PER_FILTER]
            terms = "".join(f"({rdn}={escape_filter_chars(k)})" for k in chunk)
            try:
                pages = conn.extend.standard.paged_search(
                    base, f"(|{terms})", search_scope=LEVEL, attributes=attributes,
                    paged_size=self.settings.page_size, generator=True,
                )  # fmt: skip
                for item in pages:
                    if item.get("type") != "searchResEntry":
                        continue
                    raw = item["raw_attributes"]
                    values = {name.lower(): [v.decode("utf-8") for v in vs] for name, vs in raw.items()}
                    key = next(iter(values.get(rdn.lower(), [])), None)
                    if key is not None:
                        found[key] = (item["dn"], values)
            except LDAPNoSuchObjectResult:
                return found
        return found

    def ensure_containers(self, dns: Iterable[str]) -> None:
        """Create missing ``organizationalUnit`` containers, parents first."""
        conn = self.connection()
        base = self.settings.base_dn.lower()
        for dn in sorted(set(dns), key=lambda d: d.count(",")):
            if dn.lower() == base:
                continue
            ou = dn.split(",", 1)[0].split("=", 1)[1]
            with contextlib.suppress(LDAPEntryAlreadyExistsResult):
                conn.add(dn, ["top", "organizationalUnit"], {"ou": ou})

    def close(self) -> None:
        self.drop()
