"""The one request path: every API call of a client goes through ``Transport.request``.

A call fills the route's path template, percent-encoding each parameter as
one segment, and then makes up to ``RetryPolicy.attempts`` attempts. Each
attempt waits out the client-wide rate-limit cooldown and takes a slot of the
``max_concurrency`` limit. It sends the credential and an ``X-Request-Id``
(the same for every attempt of a call), never follows a redirect, and reads
at most ``max_response_bytes`` of body within the per-attempt timeout. A 2xx
body is decoded into the operation's model; anything else becomes the
matching exception of the ``pwasync`` tree.

NOTE: aiohttp (since 3.9) itself sends an idempotent request once more when
its connection breaks before the response, as RFC 9112 allows for a
keep-alive connection that the server closed. That resend happens inside one
attempt here, so the server can see more requests than attempts.

Log records (logger ``pwasync.http``) name the method, the path template,
the status, the attempt, the elapsed time and the request id, and never a
credential, a filled path, a query string, a header value or a body.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload
from urllib.parse import quote

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from pwasync._errors import (
    APIError,
    ClientClosedError,
    PWAsyncError,
    RateLimitError,
    RequestTimeout,
    ResponseValidationError,
)
from pwasync._failures import (
    MAYBE_SENT,
    NOT_SENT,
    BodyTooLarge,
    api_error,
    describe,
    secret_forms,
    transport_error,
)
from pwasync._retry import Cooldown, RetryPolicy, parse_retry_after
from pwasync._routes import ROUTES, Route

if TYPE_CHECKING:
    from pwasync._converter import Decoder

__all__ = ["Transport"]

T = TypeVar("T")

_log = logging.getLogger("pwasync.http")

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_URL_CACHE_SIZE = 2048


def _segment(name: str, value: object) -> str:
    if value.__class__ is str:
        text: str = value
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        raise TypeError(f"path parameter {name} must be a string, got {type(value).__name__}")
    if not text:
        raise ValueError(f"path parameter {name} must not be empty")
    if text == "." or text == "..":
        raise ValueError(f"path parameter {name} must not be {text!r}, a relative path segment")
    if _UNRESERVED.fullmatch(text):
        return text
    # quote with safe="" also encodes "/", so a value can never add a segment.
    try:
        return quote(text, safe="")
    except UnicodeEncodeError as error:
        raise ValueError(
            f"path parameter {name} contains a lone surrogate at position {error.start}, "
            "which is not valid Unicode text; check how the value was decoded"
        ) from None


def _check_query(query: Mapping[str, str]) -> None:
    # yarl drops lone surrogates from a query silently, which would send another value.
    for name, value in query.items():
        for text, what in ((name, "a query parameter name"), (value, f"query parameter {name}")):
            try:
                text.encode()
            except UnicodeEncodeError as error:
                raise ValueError(
                    f"{what} contains a lone surrogate at position {error.start}, which is "
                    "not valid Unicode text; check how the text was decoded"
                ) from None


class _RetryState:
    """The progress of one call through its attempts."""

    __slots__ = ("attempt", "deadline", "delays", "request_id")

    def __init__(self, request_id: str, deadline: float | None) -> None:
        self.request_id = request_id
        self.deadline = deadline
        self.attempt = 0
        self.delays: Iterator[float] | None = None


class CompiledRoute:
    """A route with its path template split once for fast filling."""

    __slots__ = ("idempotent", "method", "names", "operation", "order", "pieces", "template")

    def __init__(self, route: Route) -> None:
        self.operation = route.operation
        self.method = route.method
        self.template = route.path
        self.idempotent = route.method in _IDEMPOTENT_METHODS
        # Values arrive in the order of the default template; an override may
        # reorder its placeholders, so each is looked up by name.
        self.names = ROUTES[route.operation].params
        parts = _PLACEHOLDER.split(route.path)
        self.pieces = parts[0::2]
        self.order = [self.names.index(name) for name in parts[1::2]]

    def fill(self, values: Sequence[object]) -> str:
        if len(values) != len(self.names):
            raise TypeError(
                f"{self.operation} takes {len(self.names)} path parameters "
                f"({', '.join(self.names)}), got {len(values)}"
            )
        if not self.order:
            return self.pieces[0]
        parts = [self.pieces[0]]
        for index, piece in zip(self.order, self.pieces[1:], strict=True):
            parts.append(_segment(self.names[index], values[index]))
            parts.append(piece)
        return "".join(parts)


class Transport:
    """Send requests for one client with its credential, limits and retry policy."""

    def __init__(
        self,
        *,
        base_url: str,
        authorization: str,
        user_agent: str,
        timeout: float,
        policy: RetryPolicy,
        max_concurrency: int,
        max_response_bytes: int,
        routes: Mapping[str, Route],
    ) -> None:
        self._base = str(URL(base_url))
        self._headers = {
            "Authorization": authorization,
            "Accept": "application/json",
            "User-Agent": user_agent,
        }
        self._secrets = secret_forms(authorization)
        self._timeout = timeout
        self._attempt_timeout = aiohttp.ClientTimeout(total=timeout)
        self.policy = policy
        self.cooldown = Cooldown(policy.clock)
        self.max_concurrency = max_concurrency
        self._max_response_bytes = max_response_bytes
        self._routes = {operation: CompiledRoute(route) for operation, route in routes.items()}
        self._urls: dict[str, URL] = {}
        self._id_prefix = os.urandom(4).hex()
        self._id_counter = itertools.count(1)
        self._session: aiohttp.ClientSession | None = None
        self._limiter: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    # Lifecycle, driven by the client.

    def attach(self, session: aiohttp.ClientSession) -> None:
        """Start sending through ``session``; called by ``Client.open()`` inside the loop."""
        self._session = session
        self._limiter = asyncio.Semaphore(self.max_concurrency)
        self._loop = asyncio.get_running_loop()

    def detach(self) -> None:
        """Stop sending; any later request raises ``ClientClosedError``."""
        self._session = None
        self._closed = True

    def _require_session(self) -> aiohttp.ClientSession:
        session = self._session
        if session is None:
            if self._closed:
                raise ClientClosedError(
                    "the client is closed: create a new Client instead of using one after "
                    "aclose() or after its 'async with' block ended"
                )
            raise ClientClosedError(
                "the client is not open: use 'async with Client(...) as pw:' "
                "or 'await client.open()' before calling the API"
            )
        if session.closed:
            raise ClientClosedError(
                "the aiohttp session given to the client was closed by its owner; "
                "keep it open as long as the client is used"
            )
        if asyncio.get_running_loop() is not self._loop:
            # aiohttp would fail later with a bare "Event loop is closed".
            raise RuntimeError(
                "the client was opened in another event loop, and its connections belong "
                "to that loop; open a new Client in each event loop (each asyncio.run() "
                "call starts a new one)"
            )
        return session

    # Requests.

    @overload
    async def request(
        self,
        operation: str,
        params: Sequence[object] = (),
        *,
        query: Mapping[str, str] | None = None,
        json_body: Any = None,
        decoder: Decoder[T],
    ) -> T: ...

    @overload
    async def request(
        self,
        operation: str,
        params: Sequence[object] = (),
        *,
        query: Mapping[str, str] | None = None,
        json_body: Any = None,
        decoder: None = None,
        accept_redirect: bool = False,
    ) -> None: ...

    async def request(
        self,
        operation: str,
        params: Sequence[object] = (),
        *,
        query: Mapping[str, str] | None = None,
        json_body: Any = None,
        decoder: Decoder[T] | None = None,
        accept_redirect: bool = False,
    ) -> T | None:
        """Call ``operation`` and decode its body with ``decoder``, or return ``None``.

        ``params`` fill the path template in the order of the default route.
        ``accept_redirect`` treats a 3xx as success. Raises the ``pwasync``
        exception for the failure.
        """
        _, _, body, request_id = await self._exchange(
            operation, params, query, json_body, accept_redirect
        )
        if decoder is None:
            return None
        try:
            return decoder.decode(body)
        except ResponseValidationError as error:
            route = self._routes[operation]
            _log.debug(
                "%s %s returned a body that does not fit %s [request id %s]",
                route.method,
                route.template,
                error.model,
                request_id,
            )
            raise

    async def redirect_location(self, operation: str, params: Sequence[object] = ()) -> str:
        """Call ``operation``, which replies with a redirect, and return its ``Location``.

        Raises ``ResponseValidationError`` if the reply is not a redirect with
        a ``Location`` header.
        """
        status, headers, body, _ = await self._exchange(operation, params, None, None, True)
        location = headers.get("Location")
        if not 300 <= status < 400 or not location:
            raise ResponseValidationError(
                f"expected a redirect with a Location header, got status {status}",
                model="redirect",
                body=body,
            )
        return location

    async def _exchange(
        self,
        operation: str,
        params: Sequence[object],
        query: Mapping[str, str] | None,
        json_body: Any,
        accept_redirect: bool,
    ) -> tuple[int, CIMultiDictProxy[str], bytes, str]:
        """Send one call with retries; return status, headers, body and request id."""
        session = self._require_session()
        route = self._routes.get(operation)
        if route is None:
            raise ValueError(f"unknown operation id {operation!r}")
        url = self._url(route.fill(params))
        if query:
            _check_query(query)
        request_id = f"{self._id_prefix}-{next(self._id_counter)}"
        headers = {**self._headers, "X-Request-Id": request_id}
        data = None
        if json_body is not None:
            data = json.dumps(json_body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"

        policy = self.policy
        clock = policy.clock
        deadline = None if policy.deadline is None else clock() + policy.deadline
        retry = _RetryState(request_id, deadline)
        while True:
            retry.attempt += 1
            if policy.shared_cooldown and self.cooldown.not_before > clock():
                await self._wait_cooldown(route, request_id, deadline)
                session = self._require_session()
            timeout = self._attempt_timeout
            if deadline is not None and deadline - clock() < self._timeout:
                timeout = self._timeout_for(route, deadline)
            started = clock()
            try:
                status, reason, reply_headers, body = await self._attempt(
                    session, route.method, url, query, data, headers, timeout
                )
            except (aiohttp.ClientError, asyncio.TimeoutError, BodyTooLarge) as exc:
                error, reach = transport_error(exc, route, timeout.total)
                _log_attempt(route, type(error).__name__, started, clock(), retry)
                retryable = reach == NOT_SENT or (reach == MAYBE_SENT and route.idempotent)
                delay = self._plan_retry(route, error, retryable, None, retry)
            else:
                reply_id = reply_headers.get("X-Request-Id") or request_id
                _log_attempt(route, status, started, clock(), retry)
                if 200 <= status < 300 or (accept_redirect and 300 <= status < 400):
                    return status, reply_headers, body, reply_id
                retry_after = parse_retry_after(
                    reply_headers.get("Retry-After"), date=reply_headers.get("Date")
                )
                error = api_error(
                    route, status, reason, reply_headers, body, reply_id, retry_after, self._secrets
                )
                retryable = self._status_retryable(route, status, retry_after, error)
                delay = self._plan_retry(route, error, retryable, retry_after, retry)
            if delay > 0:
                await policy.sleep(delay)
            session = self._require_session()

    def _plan_retry(
        self,
        route: CompiledRoute,
        error: PWAsyncError,
        retryable: bool,
        retry_after: float | None,
        retry: _RetryState,
    ) -> float:
        """Return how long to sleep before the next attempt, or raise ``error`` to give up.

        A 429 with ``Retry-After`` under the shared cooldown pauses the whole
        client, so this request's own sleep is then zero: it waits with the
        others before its next send.
        """
        policy = self.policy
        shares_pause = policy.shared_cooldown and isinstance(error, RateLimitError)
        if shares_pause and retry_after is not None and retry_after <= policy.max_retry_after:
            self.cooldown.extend(retry_after)
        if not retryable:
            raise error
        if self._closed:
            # The failure most likely came from aclose() closing the connection.
            raise ClientClosedError(
                f"the client was closed while {route.method} {route.template} was in flight; "
                "close the client only after its requests have finished"
            ) from error
        if retry.attempt >= policy.attempts:
            _log_give_up(route, error, f"after {retry.attempt} attempts", retry.request_id)
            raise error
        if retry_after is not None:
            wait = retry_after
            delay = 0.0 if shares_pause else retry_after
        else:
            if retry.delays is None:
                retry.delays = policy.delays()
            wait = delay = next(retry.delays)
        if retry.deadline is not None and policy.clock() + wait > retry.deadline:
            why = "because the next attempt would pass the deadline"
            _log_give_up(route, error, why, retry.request_id)
            raise error
        _log.warning(
            "%s %s failed with %s (attempt %d of %d); retrying in %.2f s [request id %s]",
            route.method,
            route.template,
            describe(error),
            retry.attempt,
            policy.attempts,
            wait,
            retry.request_id,
        )
        return delay

    def _status_retryable(
        self,
        route: CompiledRoute,
        status: int,
        retry_after: float | None,
        error: APIError,
    ) -> bool:
        policy = self.policy
        if status not in policy.retry_statuses:
            return False
        if retry_after is not None and retry_after > policy.max_retry_after:
            _log_give_up(
                route,
                error,
                f"because Retry-After {retry_after:g} s exceeds the policy's "
                f"max_retry_after of {policy.max_retry_after:g} s",
                error.request_id,
            )
            return False
        if route.idempotent:
            return True
        # Only a 429 or 503 with Retry-After shows that the server did not act.
        return status in (429, 503) and retry_after is not None

    def _timeout_for(self, route: CompiledRoute, deadline: float) -> aiohttp.ClientTimeout:
        """Return the timeout of an attempt that the call's deadline cuts short."""
        remaining = deadline - self.policy.clock()
        if remaining <= 0:
            raise RequestTimeout(
                f"{route.method} {route.template} ran out of time: the retry policy's "
                f"deadline of {self.policy.deadline:g} s has passed",
                method=route.method,
                path=route.template,
            )
        return aiohttp.ClientTimeout(total=min(remaining, self._timeout))

    async def _wait_cooldown(
        self, route: CompiledRoute, request_id: str, deadline: float | None
    ) -> None:
        clock = self.policy.clock
        waited = 0.0
        while True:
            remaining = self.cooldown.not_before - clock()
            if remaining <= 0:
                if waited == 0 or not self.policy.jitter:
                    return
                # Resume at a random moment within as long again as the wait, not
                # together with every other waiting request: a simultaneous restart
                # spends the server's whole rate budget at once and draws the next
                # round of 429s. The loop then checks the cooldown again, because
                # another request may have hit a 429 during the spread.
                spread = random.uniform(0.0, waited)
                if deadline is not None:
                    spread = min(spread, max(0.0, deadline - clock()))
                await self.policy.sleep(spread)
                waited = 0.0
                continue
            if deadline is not None and clock() + remaining > deadline:
                raise RateLimitError(
                    f"the client is rate limited for another {remaining:.1f} s, which is "
                    "past this call's deadline",
                    status=429,
                    method=route.method,
                    path=route.template,
                    request_id=request_id,
                    retry_after=remaining,
                )
            _log.debug(
                "%s %s waits %.2f s for the client's rate-limit cooldown [request id %s]",
                route.method,
                route.template,
                remaining,
                request_id,
            )
            await self.policy.sleep(remaining)
            waited += remaining

    async def _attempt(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: URL,
        query: Mapping[str, str] | None,
        data: bytes | None,
        headers: dict[str, str],
        timeout: aiohttp.ClientTimeout,
    ) -> tuple[int, str, CIMultiDictProxy[str], bytes]:
        assert self._limiter is not None  # set together with the session
        async with (
            self._limiter,
            session.request(
                method,
                url,
                params=query,
                data=data,
                headers=headers,
                allow_redirects=False,
                raise_for_status=False,
                timeout=timeout,
            ) as response,
        ):
            length = response.content_length
            if (
                length is not None
                and length <= self._max_response_bytes
                and "Content-Encoding" not in response.headers
            ):
                body = await response.read()
            else:
                body = await self._read_limited(response, length)
            return response.status, response.reason or "", response.headers, body

    async def _read_limited(self, response: aiohttp.ClientResponse, length: int | None) -> bytes:
        """Read a body without a known size, or a compressed one, up to the limit."""
        limit = self._max_response_bytes
        if length is not None and length > limit:
            raise BodyTooLarge(limit, length)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_any():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(limit, None)
            chunks.append(chunk)
        return b"".join(chunks)

    def _url(self, path: str) -> URL:
        url = self._urls.get(path)
        if url is None:
            if len(self._urls) >= _URL_CACHE_SIZE:
                self._urls.clear()
            # The path is already percent-encoded, so yarl must not encode it again.
            url = self._urls[path] = URL(self._base + path, encoded=True)
        return url


def _log_attempt(
    route: CompiledRoute,
    outcome: int | str,
    started: float,
    ended: float,
    retry: _RetryState,
) -> None:
    if _log.isEnabledFor(logging.DEBUG):
        _log.debug(
            "%s %s -> %s in %.1f ms (attempt %d) [request id %s]",
            route.method,
            route.template,
            outcome,
            (ended - started) * 1000,
            retry.attempt,
            retry.request_id,
        )


def _log_give_up(
    route: CompiledRoute, error: PWAsyncError, why: str, request_id: str | None
) -> None:
    _log.warning(
        "%s %s failed with %s; giving up %s [request id %s]",
        route.method,
        route.template,
        describe(error),
        why,
        request_id,
    )
