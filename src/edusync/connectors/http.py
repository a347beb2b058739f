"""HTTP with retries for connectors that call a JSON API (FS and WISEflow use it).

Which failures are tried again depends on whether sending twice is safe:

- an *idempotent* call (GET, PUT, PATCH, DELETE, and a POST the caller marks so, such as a
  search or a create-or-update) is retried on a 5xx answer, a timeout or a dropped connection;
- any other POST is retried only when the request surely never reached the server (the
  connection could not be made, or a 503 said so), because a dropped connection after sending
  may mean the server did the work and only the answer was lost. Such a failure says so, so the
  caller can ask the server what it holds before it sends again.

Retries back off exponentially (tenacity), then surface as :class:`ServerTrouble`, a
:class:`~edusync.errors.RetriableError`. 401, 403 and 404 are not retried; they become errors
that name the resource, because they mean wrong credentials, missing rights or a wrong key. A
body that is not JSON is :class:`MalformedAnswer`, naming the system and the resource.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from tenacity import RetryError, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from edusync.errors import FatalError, NotFound, RetriableError, SourceError
from edusync.model import fnr

#: Failures after which the request cannot have been processed.
_NOT_DELIVERED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class ServerTrouble(RetriableError):
    """A 5xx answer or a transport failure after the last retry.

    ``maybe_done`` is True when the request may have been carried out although no answer came.
    """

    def __init__(
        self, message: str, *, maybe_done: bool = False, attempts: int = 1, cause: BaseException | None = None
    ) -> None:
        super().__init__(message)
        self.maybe_done = maybe_done
        #: How many times the request was sent, and how the last attempt failed: a 5xx ``status``,
        #: or the transport failure (a timeout, a dropped connection) as ``cause``.
        self.attempts = attempts
        self.status = cause.status if isinstance(cause, _Status) else None
        self.cause = None if isinstance(cause, _Status) else cause


class MalformedAnswer(SourceError):
    """The server answered with a body that is not the JSON it promised."""


class _Status(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.status = response.status_code
        self.response = response


def _retry_when(idempotent: bool) -> Any:
    def passing(exc: BaseException) -> bool:
        if isinstance(exc, _Status):
            return exc.status >= 500 if idempotent else exc.status == 503
        if idempotent:
            return isinstance(exc, httpx.TransportError)  # timeouts, refused or dropped connections
        return isinstance(exc, _NOT_DELIVERED)

    return passing


def request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    what: str,
    system: str,
    retries: int,
    backoff: float,
    ok_statuses: tuple[int, ...] = (),
    idempotent: bool | None = None,
    is_answer: Callable[[httpx.Response], bool] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request; retry passing failures; map 401/403/404 to errors naming ``what``.

    Statuses below 400 and those in ``ok_statuses`` are returned to the caller, who reads the
    body (WISEflow's 4xx answers carry a reason an integration acts on). ``idempotent`` defaults
    to True for every method but POST. A 5xx for which ``is_answer`` is true is the server's
    reply rather than trouble (a SOAP Fault comes with HTTP 500): it is not retried, and is
    returned when its status is in ``ok_statuses``.
    """
    safe = method.upper() != "POST" if idempotent is None else idempotent

    def once() -> httpx.Response:
        response = client.request(method, url, **kwargs)
        if response.status_code >= 500 and not (is_answer is not None and is_answer(response)):
            raise _Status(response)
        return response

    retrying = Retrying(
        stop=stop_after_attempt(retries + 1),
        wait=wait_exponential(multiplier=backoff, max=max(backoff * 8, 0.001)),
        retry=retry_if_exception(_retry_when(safe)),
        reraise=False,
    )
    try:
        response = retrying(once)
    except RetryError as exc:
        raise _trouble(exc.last_attempt.exception(), system, what, exc.last_attempt.attempt_number, safe) from None
    except (_Status, httpx.TransportError) as exc:  # not retried: a POST that may have been carried out
        raise _trouble(exc, system, what, 1, safe) from None
    status = response.status_code
    if status < 400 or status in ok_statuses:
        return response
    if status == 401:
        raise FatalError(f"{system}: {what}: 401 Unauthorized, check the credentials in the configuration")
    if status == 403:
        raise FatalError(f"{system}: {what}: 403 Forbidden, the API user lacks the rights for this resource")
    if status == 404:
        raise NotFound(f"{system}: {what}: 404 Not Found")
    # A server may echo what it was sent, and that may hold a fødselsnummer.
    body = fnr.mask_text(response.text[:300])
    raise FatalError(f"{system}: {what}: HTTP {status}: {body}")


def _trouble(cause: BaseException | None, system: str, what: str, attempts: int, safe: bool) -> ServerTrouble:
    tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
    failure = f"HTTP {cause.status}" if isinstance(cause, _Status) else type(cause).__name__
    maybe_done = (
        not safe and not isinstance(cause, _NOT_DELIVERED) and not (isinstance(cause, _Status) and cause.status == 503)
    )
    note = f"; {system} may have carried it out without answering" if maybe_done else ""
    message = f"{system}: {what}: {failure} {tries}{note}"
    return ServerTrouble(message, maybe_done=maybe_done, attempts=attempts, cause=cause)


def read_json(response: httpx.Response, *, system: str, what: str) -> Any:
    """The body as JSON, or :class:`MalformedAnswer` naming the system, the resource and where it broke."""
    if not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedAnswer(f"{system} sent malformed JSON for {what} ({exc})") from exc
