"""HTTP with retries for the exam connectors (FS and WISEflow share it).

A 5xx answer, a timeout or a dropped connection is a passing failure: it is tried again with
exponential backoff (tenacity), then surfaces as :class:`~edusync.errors.RetriableError`, so the
engine retries the change or the run later. 401, 403 and 404 are not retried; they become errors
that name the resource, because they mean wrong credentials, missing rights or a wrong key.
"""

from __future__ import annotations

from typing import Any

import httpx
from tenacity import RetryError, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from edusync.errors import FatalError, RetriableError


class NotFound(FatalError):
    """The resource does not exist (404); the message names it."""


class ServerTrouble(RetriableError):
    """A 5xx answer or a transport failure after the last retry."""


def _passing(exc: BaseException) -> bool:
    if isinstance(exc, httpx.TransportError):  # timeouts, refused or dropped connections
        return True
    return isinstance(exc, _Status) and exc.status >= 500


class _Status(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.status = response.status_code
        self.response = response


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
    **kwargs: Any,
) -> httpx.Response:
    """Send one request; retry passing failures; map 401/403/404 to errors naming ``what``.

    Statuses below 400 and those in ``ok_statuses`` are returned to the caller, who reads the
    body (WISEflow's 4xx answers carry a reason an integration acts on).
    """

    def once() -> httpx.Response:
        response = client.request(method, url, **kwargs)
        if response.status_code >= 500:
            raise _Status(response)
        return response

    retrying = Retrying(
        stop=stop_after_attempt(retries + 1),
        wait=wait_exponential(multiplier=backoff, max=max(backoff * 8, 0.001)),
        retry=retry_if_exception(_passing),
        reraise=False,
    )
    try:
        response = retrying(once)
    except RetryError as exc:
        cause = exc.last_attempt.exception()
        if isinstance(cause, _Status):
            raise ServerTrouble(f"{system}: {what}: HTTP {cause.status} after {retries + 1} attempts") from None
        raise ServerTrouble(f"{system}: {what}: {type(cause).__name__} after {retries + 1} attempts") from cause
    status = response.status_code
    if status < 400 or status in ok_statuses:
        return response
    if status == 401:
        raise FatalError(f"{system}: {what}: 401 Unauthorized, check the credentials in the configuration")
    if status == 403:
        raise FatalError(f"{system}: {what}: 403 Forbidden, the API user lacks the rights for this resource")
    if status == 404:
        raise NotFound(f"{system}: {what}: 404 Not Found")
    raise FatalError(f"{system}: {what}: HTTP {status}: {response.text[:300]}")
