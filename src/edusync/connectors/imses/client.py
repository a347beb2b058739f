"""One IMS ES call over HTTP: the envelope, retries, and what each kind of failure means.

- A timeout, a dropped connection or a 5xx without a SOAP Fault is passing: it is tried
  again with exponential backoff (tenacity), then raised as :class:`Unreachable` (a
  :class:`~edusync.errors.RetriableError`) naming the operation, the endpoint and the attempts.
- A SOAP Fault about WS-Security, or HTTP 401/403, means wrong credentials: a
  :class:`~edusync.errors.FatalError`, because every further call would be refused too.
- Any other SOAP Fault refuses that one call: :class:`CallRefused`, so the items in it fail
  with the server's words and the other calls go on.
- A 404 means the URL is wrong: fatal.

Re-sending is safe: create is an upsert, and the connector treats deleting what is gone as done.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import NoReturn

import httpx
from tenacity import RetryError, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from edusync.connectors.imses.settings import ImsesSettings
from edusync.connectors.imses.soap import SERVICES, Element, MalformedXml, Reply, Service, SoapFault, read_reply
from edusync.connectors.imses.soap import envelope as build_envelope
from edusync.errors import FatalError, RetriableError, SkippableError

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


class Unreachable(RetriableError):
    """No usable answer after the last attempt (timeouts, dropped connections, 5xx)."""


class CallRefused(SkippableError):
    """The server refused one call with a SOAP Fault; the items in it fail, the others go on."""


class _Busy(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


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
    """Sends IMS ES operations to the site's endpoints with the site's credentials."""

    def __init__(self, settings: ImsesSettings, name: str) -> None:
        self.settings = settings
        self.name = name
        self._http = httpx.Client(timeout=settings.timeout, headers={"content-type": "text/xml; charset=utf-8"})

    def close(self) -> None:
        self._http.close()

    def where(self, service: Service, operation: str) -> str:
        return f"itslearning IMS ES {operation} at {self.settings.endpoint(service.kind)}"

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
        headers = {"SOAPAction": f'"{service.action(operation)}"'}

        def once() -> httpx.Response:
            response = self._http.post(url, content=payload, headers=headers)
            if response.status_code >= 500 and not _has_fault(response):
                raise _Busy(response.status_code)
            return response

        attempts = s.retries + 1
        retrying = Retrying(
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=s.backoff, max=max(s.backoff * 8, 0.001)),
            retry=retry_if_exception(lambda exc: isinstance(exc, httpx.TransportError | _Busy)),
            reraise=False,
        )
        try:
            response = retrying(once)
        except RetryError as exc:
            self._unreachable(where, exc.last_attempt.exception(), attempts)
        return self._answer(where, response)

    def _unreachable(self, where: str, cause: BaseException | None, attempts: int) -> NoReturn:
        tries = f"{attempts} attempt{'s' if attempts > 1 else ''}"
        if isinstance(cause, httpx.TimeoutException):
            raise Unreachable(f"{where}: no answer within {self.settings.timeout:g} s ({tries})") from cause
        if isinstance(cause, _Busy):
            raise Unreachable(f"{where}: HTTP {cause.status} ({tries})") from None
        raise Unreachable(f"{where}: {type(cause).__name__}: {cause} ({tries})") from cause

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
                self._refused(where, str(fault))
            raise CallRefused(f"{where}: SOAP fault {fault}") from None
        except MalformedXml as exc:
            if status >= 400:
                raise FatalError(f"{where}: HTTP {status}: {response.text[:200]}") from None
            raise RetriableError(f"{where}: the answer is not a SOAP message ({exc})") from None
        if status >= 400:
            raise FatalError(f"{where}: HTTP {status} without a SOAP Fault")
        return reply

    def _refused(self, where: str, detail: str) -> NoReturn:
        raise FatalError(
            f"{where}: the server refused the WS-Security credentials of user {self.settings.username!r} "
            f"({detail}); check the connector {self.name!r}'s username and password"
        )
