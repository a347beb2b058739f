"""HTTP with retries for connectors that call a JSON API (FS and WISEflow use it).

Which failures are tried again depends on whether sending twice is safe:

- an *idempotent* call (GET, PUT, PATCH, DELETE, and a POST the caller marks so, such as a
  search or a create-or-update) is retried on a 5xx answer, a timeout or a dropped connection;
- any other POST is retried only when the request surely never reached the server (the
  connection could not be made, or a 503 said so), because a dropped connection after sending
  may mean the server did the work and only the answer was lost. Such a failure says so, so the
  caller can ask the server what it holds before it sends again.

Retries back off exponentially (tenacity), each one logged as a warning naming the host and port,
then surface as :class:`ServerTrouble`, a :class:`~edusync.errors.RetriableError`, which says
where it tried and for how long (a server that is down must not look like a hang). 401, 403 and
404 are not retried; they become errors that name the resource, because they mean wrong
credentials, missing rights or a wrong key. A
body that is not JSON is :class:`MalformedAnswer`, naming the system and the resource.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from edusync.errors import FatalError, NotFound, RetriableError, SourceError
from edusync.model import fnr

log = logging.getLogger(__name__)

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

    where = _host_port(client, url)
    began = time.monotonic()

    def retrying_soon(state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s: %s: %s (%s); retrying in %.1f s (attempt %d of %d, %.1f s so far)",
            system, what, _failure(failure), where, wait, state.attempt_number + 1, retries + 1,
            time.monotonic() - began,
            extra={"host": where, "attempt": state.attempt_number, "elapsed_s": round(time.monotonic() - began, 1)},
        )  # fmt: skip

    retrying = Retrying(
        stop=stop_after_attempt(retries + 1),
        wait=wait_exponential(multiplier=backoff, max=max(backoff * 8, 0.001)),
        retry=retry_if_exception(_retry_when(safe)),
        before_sleep=retrying_soon,
        reraise=False,
    )
    try:
        response = retrying(once)
    except RetryError as exc:
        attempts, cause = exc.last_attempt.attempt_number, exc.last_attempt.exception()
        raise _trouble(cause, system, what, attempts, safe, where, time.monotonic() - began) from None
    except (_Status, httpx.TransportError) as exc:  # not retried: a POST that may have been carried out
        raise _trouble(exc, system, what, 1, safe, where, time.monotonic() - began) from None
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


def _host_port(client: httpx.Client, url: str) -> str:
    """``host:port`` the request goes to (a relative ``url`` joins the client's base URL)."""
    target = httpx.URL(url)
    if not target.is_absolute_url:
        target = client.base_url.join(url)
    port = target.port or {"https": 443, "http": 80}.get(target.scheme)
    return f"{target.host}:{port}" if port else target.host


def _failure(cause: BaseException | None) -> str:
    return f"HTTP {cause.status}" if isinstance(cause, _Status) else type(cause).__name__


def _trouble(
    cause: BaseException | None, system: str, what: str, attempts: int, safe: bool, where: str, elapsed: float
) -> ServerTrouble:
    tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
    maybe_done = (
        not safe and not isinstance(cause, _NOT_DELIVERED) and not (isinstance(cause, _Status) and cause.status == 503)
    )
    note = f"; {system} may have carried it out without answering" if maybe_done else ""
    reach = "could not connect to" if isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout) else "tried"
    message = f"{system}: {what}: {_failure(cause)} {tries}{note}; {reach} {where} for {elapsed:.1f} s, then gave up"
    return ServerTrouble(message, maybe_done=maybe_done, attempts=attempts, cause=cause)


def read_json(response: httpx.Response, *, system: str, what: str) -> Any:
    """The body as JSON, or :class:`MalformedAnswer` naming the system, the resource and where it broke."""
    if not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedAnswer(f"{system} sent malformed JSON for {what} ({exc})") from exc
