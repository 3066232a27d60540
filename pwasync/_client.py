"""The client: configuration, lifecycle, and the resource namespaces."""

from __future__ import annotations

import math
import warnings
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

import aiohttp

from pwasync._bulk import DEFAULT_BULK_CONCURRENCY, BulkReport, ProgressCallback, run_many
from pwasync._credentials import (
    Credential,
    default_base_url,
    normalize_base_url,
    read_environment,
)
from pwasync._errors import ClientClosedError
from pwasync._retry import Cooldown, RetryPolicy
from pwasync._routes import Route, build_routes
from pwasync._transport import Transport
from pwasync.resources import (
    Admin,
    AIChats,
    Auth,
    Clusters,
    Images,
    Organizations,
    ProvisionStatus,
    Sessions,
)

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["Client"]

T = TypeVar("T")
R = TypeVar("R")

_VERSION = "0.1.0"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_CONCURRENCY = 64
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
_DEFAULT_RETRY = RetryPolicy()


class Client:
    """An asynchronous client of the Parallel Works API 4.x.

    Give exactly one credential: ``api_key`` (sent as HTTP Basic, the key as
    user name) or ``token`` (sent as a bearer token). ``base_url`` defaults to
    ``https://`` plus the host encoded in the credential. ``timeout`` bounds
    each attempt in seconds, and ``retry`` decides retries and the deadline
    of a whole call. At most ``max_concurrency`` requests are in flight at
    once, and a response over ``max_response_bytes`` is rejected.

    A caller-supplied ``session`` is used as is and never closed by the
    client. ``routes`` overrides path templates by operation id. Plain
    ``http://`` is rejected for any host but loopback unless
    ``allow_insecure_http`` is true.

    Open the client with ``async with Client(...) as pw:`` (or ``await
    client.open()`` and later ``await client.aclose()``); calls before
    opening or after closing raise ``ClientClosedError``.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        token: str | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy = _DEFAULT_RETRY,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        session: aiohttp.ClientSession | None = None,
        routes: Mapping[str, str] | None = None,
        allow_insecure_http: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._state = "new"
        credential = Credential.from_arguments(api_key, token)
        if base_url is None:
            base_url = default_base_url(credential)
        self._base_url = normalize_base_url(base_url, allow_insecure_http=allow_insecure_http)
        _check_options(timeout, retry, max_concurrency, session, max_response_bytes)
        self._credential_kind = credential.kind
        self._given_session = session
        self._session: aiohttp.ClientSession | None = None
        self._routes = build_routes(routes)
        _check_base_path(self._base_url, self._routes)
        self._transport = Transport(
            base_url=self._base_url,
            authorization=credential.authorization(),
            user_agent=f"pwasync/{_VERSION} aiohttp/{aiohttp.__version__}",
            timeout=float(timeout),
            policy=retry,
            max_concurrency=max_concurrency,
            max_response_bytes=max_response_bytes,
            routes=self._routes,
        )
        self.auth = Auth(self)
        self.organizations = Organizations(self)
        self.ai_chats = AIChats(self)
        self.clusters = Clusters(self)
        self.provision_status = ProvisionStatus(self)
        self.images = Images(self)
        self.admin = Admin(self)
        self.sessions = Sessions(self)

    @classmethod
    def from_env(
        cls,
        *,
        environ: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy = _DEFAULT_RETRY,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        session: aiohttp.ClientSession | None = None,
        routes: Mapping[str, str] | None = None,
        allow_insecure_http: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> Client:
        """Build a client from ``PW_API_KEY`` (or ``PW_TOKEN``) and the platform's address.

        The address is ``PW_BASE_URL`` (a URL) if set, else ``PW_PLATFORM_HOST``
        (a host name, https assumed), else the host encoded in the credential.
        ``environ`` replaces ``os.environ``. Raises ``ValueError`` naming the
        variables to set when a credential or host is missing.
        """
        settings = read_environment(environ)
        return cls(
            api_key=settings.api_key,
            token=settings.token,
            base_url=settings.base_url,
            timeout=timeout,
            retry=retry,
            max_concurrency=max_concurrency,
            session=session,
            routes=routes,
            allow_insecure_http=allow_insecure_http,
            max_response_bytes=max_response_bytes,
        )

    @property
    def base_url(self) -> str:
        """The URL that every route path is appended to."""
        return self._base_url

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy of every call."""
        return self._transport.policy

    @property
    def cooldown(self) -> Cooldown:
        """The client-wide rate-limit pause shared by all requests (see ``RetryPolicy``)."""
        return self._transport.cooldown

    @property
    def max_concurrency(self) -> int:
        """The maximum number of requests in flight at once."""
        return self._transport.max_concurrency

    @property
    def routes(self) -> Mapping[str, Route]:
        """The route table in use, by operation id, overrides applied."""
        return self._routes

    @property
    def closed(self) -> bool:
        """Whether ``aclose()`` has been called."""
        return self._state == "closed"

    async def open(self) -> None:
        """Open the HTTP session; calling it on an open client does nothing.

        Raises ``ClientClosedError`` on a closed client, which cannot be reopened.
        The client then belongs to the running event loop: a call made from
        another loop raises ``RuntimeError``.
        """
        if self._state == "open":
            return
        if self._state == "closed":
            raise ClientClosedError(
                "the client is closed and cannot be reopened; create a new Client"
            )
        session = self._given_session
        if session is None:
            # Created here, inside the running event loop, never in __init__.
            connector = aiohttp.TCPConnector(limit=self._transport.max_concurrency)
            session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar()
            )
        elif session.closed:
            raise ValueError("the aiohttp session passed to Client is already closed")
        self._session = session
        self._transport.attach(session)
        self._state = "open"

    async def aclose(self) -> None:
        """Close the client and the session it created; calling it again does nothing.

        A session passed in by the caller stays open.
        """
        if self._state == "closed":
            return
        self._state = "closed"
        self._transport.detach()
        session, self._session = self._session, None
        if session is not None and session is not self._given_session:
            await session.close()

    async def run_many(
        self,
        func: Callable[[T], Awaitable[R]],
        items: Iterable[T] | AsyncIterable[T],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        fail_fast: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> BulkReport[T, R]:
        """Await ``func(item)`` for every item, at most ``concurrency`` at a time.

        Returns a ``BulkReport`` whose outcomes follow the input order; its
        ``raise_for_failures()`` raises the failures as a ``BulkError``
        exception group. ``items`` is consumed lazily. With ``fail_fast`` the
        first failure cancels the calls in flight and starts no more.
        ``on_progress(done, failed, total)`` follows each finished item
        (``total`` is ``None`` for an input without a length). The client's
        ``max_concurrency`` and its shared 429 cooldown still apply to every
        request that ``func`` makes.
        """
        return await run_many(
            func, items, concurrency=concurrency, fail_fast=fail_fast, on_progress=on_progress
        )

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"<pwasync.Client base_url={self._base_url!r} "
            f"credential={self._credential_kind} state={self._state}>"
        )

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        # Only a warning: closing needs the event loop, which may be gone. The
        # default argument keeps warn reachable during interpreter shutdown.
        if getattr(self, "_state", None) == "open":
            _warn(
                f"unclosed {self!r}: use 'async with Client(...)' or 'await client.aclose()'",
                ResourceWarning,
                source=self,
                stacklevel=2,
            )


def _check_base_path(base_url: str, routes: Mapping[str, Route]) -> None:
    """Reject a base URL whose path ends with the segment that every route starts with.

    Every route path already starts with ``/api/``, so ``https://host/api``
    would send requests to ``/api/api/...``, where no route of the API exists.
    """
    parts = urlsplit(base_url)
    last_segment = parts.path.rsplit("/", 1)[-1]
    if not last_segment:
        return
    if all(route.path.startswith(f"/{last_segment}/") for route in routes.values()):
        origin = f"{parts.scheme}://{parts.netloc}{parts.path.removesuffix('/' + last_segment)}"
        raise ValueError(
            f"base_url {base_url!r} ends with '/{last_segment}', which every route path "
            f"already starts with, so requests would go to '{parts.path}/{last_segment}/...'; "
            f"use the base URL {origin!r} instead"
        )


def _check_options(
    timeout: float,
    retry: RetryPolicy,
    max_concurrency: int,
    session: aiohttp.ClientSession | None,
    max_response_bytes: int,
) -> None:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, got {type(timeout).__name__}")
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a finite number of seconds above 0, got {timeout!r}")
    if not isinstance(retry, RetryPolicy):
        raise TypeError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
    if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
        raise TypeError(f"max_concurrency must be an integer, got {type(max_concurrency).__name__}")
    if max_concurrency < 1:
        raise ValueError(f"max_concurrency must be 1 or more, got {max_concurrency}")
    if session is not None and not isinstance(session, aiohttp.ClientSession):
        raise TypeError(f"session must be an aiohttp.ClientSession, got {type(session).__name__}")
    if isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int):
        raise TypeError(
            f"max_response_bytes must be an integer, got {type(max_response_bytes).__name__}"
        )
    if max_response_bytes < 1:
        raise ValueError(f"max_response_bytes must be 1 or more, got {max_response_bytes}")
