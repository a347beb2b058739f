"""HTTP to FINT: password-grant tokens, paged collections in parallel, retries, asynchronous writes.

Requests go through the shared helper (:mod:`edusync.connectors.http`): FINT answers
slowly and sometimes not at all, so a 5xx or a timeout is tried again with backoff
(``ServerTrouble``, a ``RetriableError``, once the retries are spent). 401 gets one
fresh token; a second 401 is fatal; a 403 or a 404 on a collection is
``CollectionUnavailable`` naming it. Responses are parsed with orjson; a page that is
not JSON names its path.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import orjson

from edusync.connectors import http
from edusync.connectors.fint.pages import Decode, Page, json_body, whole
from edusync.connectors.fint.settings import FintSettings
from edusync.errors import CollectionUnavailable, FatalError, NotFound, RetriableError, SourceError

Entry = dict[str, Any]
#: Statuses FINT answers with meaning, handed to the caller rather than raised by the helper.
_ANSWERS = (400, 401, 403, 404, 405, 409, 410)


class _WholeBodies(httpx.Client):
    """Reads each body whole into a response that holds no reference cycle.

    httpx's own response sits in a cycle with its stream, so a 20 MB page would stay in
    memory until the cycle collector runs, and imports pause the collector.
    """

    def request(self, method: str, url: httpx.URL | str, **kw: Any) -> httpx.Response:
        with self.stream(method, url, **kw) as streamed:
            body = b"".join(streamed.iter_bytes())
        return httpx.Response(streamed.status_code, headers=streamed.headers, content=body)


class FintClient:
    def __init__(self, settings: FintSettings, sleep: Callable[[float], None] = time.sleep) -> None:
        self.s = settings
        self.base = settings.base_url.rstrip("/")
        limits = httpx.Limits(max_connections=settings.parallel * 2, max_keepalive_connections=settings.parallel * 2)
        self.http = _WholeBodies(timeout=settings.timeout_s, limits=limits, follow_redirects=False)
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self._sleep = sleep
        self.requests = 0

    def close(self) -> None:
        self.http.close()

    # -- auth ---------------------------------------------------------------------------------

    def _fetch_token(self) -> None:
        data = {
            "grant_type": "password",
            "username": self.s.username,
            "password": self.s.password.get_secret_value(),
            "scope": self.s.scope,
        }
        auth = (self.s.client_id, self.s.client_secret.get_secret_value())
        resp = self._send("POST", self.s.token_url, data=data, auth=auth, authorised=False)
        if resp.status_code in (400, 401):
            raise FatalError(f"FINT token endpoint refused the credentials ({resp.status_code}: {_reason(resp)})")
        if resp.status_code != 200:
            raise RetriableError(f"FINT token endpoint answered {resp.status_code}")
        body = json_body(resp.content, self.s.token_url)
        self._token = str(body["access_token"])
        # Refresh a minute early so a long import never sends a token that dies in flight.
        self._expires = time.monotonic() + max(1.0, float(body.get("expires_in", 3600)) - 60)

    def token(self, *, renew: bool = False) -> str:
        with self._lock:
            if renew or self._token is None or time.monotonic() >= self._expires:
                self._fetch_token()
            assert self._token is not None
            return self._token

    # -- requests -----------------------------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        return path_or_url if path_or_url.startswith("http") else self.base + path_or_url

    def _send(
        self, method: str, url: str, *, authorised: bool = True, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        """One request through the shared helper (retries on 5xx and timeouts, with backoff).

        Every FINT call is safe to repeat (reads, whole-resource PUTs, the token grant), so each
        is retried; the statuses FINT answers with meaning (:data:`_ANSWERS`) come back to the
        caller, and a 401 on a resource gets one fresh token and one more try.
        """
        resp: httpx.Response | None = None
        for attempt in (0, 1):
            sent = dict(headers or {})
            if authorised:
                sent["Authorization"] = f"Bearer {self.token(renew=attempt == 1)}"
            self.requests += 1
            resp = http.request(
                self.http, method, url, what=f"{method} {_path(url)}", system="FINT", retries=self.s.retries,
                backoff=self.s.backoff_s, ok_statuses=_ANSWERS, idempotent=True, headers=sent, **kw,
            )  # fmt: skip
            if not (resp.status_code == 401 and authorised):
                return resp  # else the token died (expired or revoked): one fresh one
        assert resp is not None
        return resp

    def get_bytes(self, path_or_url: str, params: dict[str, Any] | None = None) -> tuple[bytes, str]:
        """The body of a 200 answer and the path it names in errors; 401, 403 and 404 are fatal."""
        url = self.url(path_or_url)
        resp = self._send("GET", url, params=params)
        if resp.status_code == 404:
            raise NotFound(f"FINT has no {_path(url)} (404)")
        if resp.status_code == 403:
            raise CollectionUnavailable(
                f"FINT does not allow this client to read {_path(url)} (403)", collection=_path(url), status=403
            )
        if resp.status_code == 401:
            raise FatalError(f"FINT refused the token for {_path(url)} (401)")
        if resp.status_code != 200:
            raise SourceError(f"FINT answered {resp.status_code} for {_path(url)}")
        return resp.content, _path(url)

    def get(self, path_or_url: str, params: dict[str, Any] | None = None) -> Any:
        return json_body(*self.get_bytes(path_or_url, params))

    def last_updated(self, path: str) -> int:
        """The collection's ``lastUpdated`` (FINT has sent it as a number and as a string of digits)."""
        try:
            body = self.get(f"{path}/last-updated")
        except NotFound as exc:
            raise CollectionUnavailable(f"FINT serves no {path} (404)", collection=path, status=404) from exc
        try:
            return int(body["lastUpdated"])
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(f"FINT's last-updated for {path} is not a timestamp") from exc

    def collection(self, path: str, *, since: int | None = None, decode: Decode = whole) -> Iterator[list[Any]]:
        """Pages of a collection's entries (all of it, or what changed from ``since`` on).

        A 403 or a 404 on the collection is :class:`CollectionUnavailable`, naming it.
        """
        params: dict[str, Any] = {} if since is None else {"sinceTimeStamp": since}
        size = self.s.page_size

        def page(extra: dict[str, Any]) -> Page:
            try:
                return decode(*self.get_bytes(path, {**params, **extra}))
            except NotFound as exc:
                raise CollectionUnavailable(
                    f"FINT serves no {path} (404: no adapter for it)", collection=path, status=404
                ) from exc

        if not size:
            yield page({}).entries
            return
        first = page({"size": size, "offset": 0})
        yield first.entries
        if since is not None:
            # A delta's total_items is the whole cache (FINT's consumer), not the delta: page on
            # while pages come back full and link a next one, or a day's delta costs every page.
            got, offset = first, 0
            while got.more and len(got.entries) >= size:
                offset += size
                got = page({"size": size, "offset": offset})
                yield got.entries
            return
        offsets = range(size, first.total, size)
        if not offsets:
            return
        with ThreadPoolExecutor(self.s.parallel) as pool:
            # Pages are fetched ahead in parallel but handed over in order, at most ``parallel`` ahead,
            # so a collection of a million rows is never all in memory at once.
            ahead: deque[Future[Page]] = deque()
            for offset in offsets:
                ahead.append(pool.submit(page, {"size": size, "offset": offset}))
                if len(ahead) > self.s.parallel:
                    yield ahead.popleft().result().entries
            while ahead:
                yield ahead.popleft().result().entries

    def fetch_many(self, urls: list[str]) -> Iterator[tuple[str, Entry | None]]:
        """Single objects by link, in parallel; a 404 gives ``None`` (the caller says what it means)."""

        def one(url: str) -> tuple[str, Entry | None]:
            try:
                return url, self.get(url)
            except NotFound:
                return url, None

        with ThreadPoolExecutor(self.s.parallel) as pool:
            yield from pool.map(one, urls)

    # -- writes -------------------------------------------------------------------------------

    def put_and_wait(self, url: str, body: Entry) -> tuple[str, str]:
        """PUT a whole resource and poll its status until FINT says how it ended.

        Returns ``(outcome, detail)``: ``done`` (201, or 303 as FINT's older docs say), ``rejected``
        (400: the source system refused it), ``conflict`` (409: it clashes with the resource in the
        detail), ``failed`` (500 or still pending: try again) or ``lost`` (410: FINT no longer knows the
        status, which says nothing of the resource; the caller reads the resource to find out).
        """
        resp = self._send(
            "PUT", self.url(url), content=orjson.dumps(body), headers={"Content-Type": "application/json"}
        )
        if resp.status_code == 400:
            return "rejected", _reason(resp)
        if resp.status_code != 202 or "location" not in resp.headers:
            return "failed", f"FINT answered {resp.status_code} to the write"
        status_url = self.url(resp.headers["location"])
        for _ in range(self.s.write_max_polls):
            poll = self._send("GET", status_url)
            code = poll.status_code
            if code == 202:
                self._sleep(self.s.write_poll_s)
                continue
            if code in (200, 201, 303):
                return "done", ""
            if code == 400:
                return "rejected", _reason(poll)
            if code == 409:
                return "conflict", _conflict(poll)
            if code == 410:
                return "lost", "FINT no longer knows the write's status (410)"
            return "failed", f"status {code}: {_reason(poll)}"
        return "failed", f"still pending after {self.s.write_max_polls} polls"


def _path(url: str) -> str:
    """The path of a URL without its last segment's value when that may be a fødselsnummer."""
    path = httpx.URL(url).path
    head, _, tail = path.rpartition("/")
    return f"{head}/…" if tail.isdigit() and len(tail) == 11 else path


def _conflict(resp: httpx.Response) -> str:
    """What a 409 conflicts with: the self link of the resource FINT sends back, else its message."""
    try:
        body = resp.json()
        return f"it conflicts with {_path(body['_links']['self'][0]['href'])}"
    except (ValueError, KeyError, IndexError, TypeError):
        return _reason(resp)


def _reason(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error_description") or body.get("error") or body)[:200]
    return str(body)[:200]
