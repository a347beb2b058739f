"""One IMS ES call over HTTP: the envelope, retries, and what each kind of failure means.

The call goes through the shared HTTP layer (:mod:`edusync.connectors.http`). A SOAP call is a
POST, and it is marked idempotent there, so that a lost answer is sent again: create is an
upsert, and the connector counts a delete of what is already gone as done.

- A timeout, a dropped connection or a 5xx without a SOAP Fault is passing: it is tried
  again with exponential backoff, then raised as :class:`Unreachable` (a
  :class:`~edusync.errors.RetriableError`) naming the operation, the endpoint and the attempts.
- A SOAP Fault about WS-Security, or HTTP 401/403, means wrong credentials: a
  :class:`~edusync.errors.FatalError`, because every further call would be refused too.
- Any other SOAP Fault refuses that one call: :class:`CallRefused`, so the items in it fail
  with the server's words and the other calls go on.
- A 404 means the URL is wrong: fatal.

Text the server sends back is quoted with national ids masked (a site may use them as sync keys).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import NoReturn

import httpx

from edusync.connectors import http
from edusync.connectors.imses.settings import ImsesSettings
from edusync.connectors.imses.soap import SERVICES, Element, MalformedXml, Reply, Service, SoapFault, read_reply
from edusync.connectors.imses.soap import envelope as build_envelope
from edusync.errors import FatalError, RetriableError, SkippableError
from edusync.model.fnr import mask_text

SYSTEM = "itslearning IMS ES"
#: WS-Security fault codes (OASIS SOAP Message Security 1.0, section 12) and WCF's.
SECURITY_FAULTS = frozenset(
    {
        "InvalidSecurity",
        "InvalidSecurityToken",
        "FailedAuthentication",
        "FailedCheck",
        "SecurityTokenUnavailable",
        "MessageExpired",
    }
)
#: Statuses read here rather than by the HTTP layer (500: only those carrying a SOAP Fault get this far).
_READ_HERE = (401, 403, 404, 500)


class Unreachable(RetriableError):
    """No usable answer after the last attempt (timeouts, dropped connections, 5xx)."""


class CallRefused(SkippableError):
    """The server refused one call with a SOAP Fault; the items in it fail, the others go on."""


def _has_fault(response: httpx.Response) -> bool:
    """A 5xx carrying a SOAP Fault is the server's answer, not a passing failure."""
    try:
        read_reply(response.content)
    except SoapFault:
        return True
    except MalformedXml:
        return False
    return False


class ImsesClient:
    """Sends IMS ES operations to the site's endpoints with the site's credentials.

    ``transport`` replaces the network (an :class:`httpx.MockTransport` in a test of what no
    server would answer), as httpx's own clients allow.
    """

    def __init__(self, settings: ImsesSettings, name: str, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.name = name
        headers = {"content-type": "text/xml; charset=utf-8"}
        self._http = httpx.Client(timeout=settings.timeout, headers=headers, transport=transport)

    def close(self) -> None:
        self._http.close()

    def where(self, service: Service, operation: str) -> str:
        return f"{SYSTEM} {operation} at {self.settings.endpoint(service.kind)}"

    def call(self, kind: str, operation: str, request: Element) -> Reply:
        """Send ``request`` (the operation's request element); return the answer's statuses and body."""
        service = SERVICES[kind]
        s = self.settings
        url, where = s.endpoint(kind), self.where(service, operation)
        payload = build_envelope(
            request,
            username=s.username,
            password=s.password.get_secret_value(),
            message_id=uuid.uuid4().hex,
            now=dt.datetime.now(dt.UTC),
        )
        try:
            response = http.request(
                self._http,
                "POST",
                url,
                what=f"{operation} at {url}",
                system=SYSTEM,
                retries=s.retries,
                backoff=s.backoff,
                ok_statuses=_READ_HERE,
                idempotent=True,
                is_answer=_has_fault,
                content=payload,
                headers={"SOAPAction": f'"{service.action(operation)}"'},
            )
        except http.ServerTrouble as exc:
            raise Unreachable(self._unreachable(where, exc)) from exc
        return self._answer(where, response)

    def _unreachable(self, where: str, trouble: http.ServerTrouble) -> str:
        tries = f"{trouble.attempts} attempt{'s' if trouble.attempts > 1 else ''}"
        if isinstance(trouble.cause, httpx.TimeoutException):
            return f"{where}: no answer within {self.settings.timeout:g} s ({tries})"
        if trouble.status is not None:
            return f"{where}: HTTP {trouble.status} ({tries})"
        return f"{where}: {type(trouble.cause).__name__}: {trouble.cause} ({tries})"

    def _answer(self, where: str, response: httpx.Response) -> Reply:
        status = response.status_code
        if status in (401, 403):
            self._refused(where, f"HTTP {status}")
        if status == 404:
            raise FatalError(f"{where}: HTTP 404, no IMS ES service there; check the connector's url")
        try:
            reply = read_reply(response.content)
        except SoapFault as fault:
            if fault.code in SECURITY_FAULTS:
                self._refused(where, mask_text(str(fault)))
            raise CallRefused(f"{where}: SOAP fault {mask_text(str(fault))}") from None
        except MalformedXml as exc:
            raise RetriableError(f"{where}: the answer is not a SOAP message ({exc})") from None
        return reply

    def _refused(self, where: str, detail: str) -> NoReturn:
        raise FatalError(
            f"{where}: the server refused the WS-Security credentials of user {self.settings.username!r} "
            f"({detail}); check the connector {self.name!r}'s username and password"
        )
