"""Helpers for client tests: a scripted loopback HTTP server, replies, a fake clock."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
from aiohttp import web
from multidict import CIMultiDict

from pwasync import RetryPolicy

# A reply is a prepared response, or a function of the request that builds one.
Reply = web.StreamResponse | Callable[[web.Request], Awaitable[web.StreamResponse]]


@attrs.frozen
class Received:
    """One request as the server saw it."""

    method: str
    raw_path: str
    headers: CIMultiDict[str]
    body: bytes
    at: float


def json_reply(status: int, data: Any, headers: dict[str, str] | None = None) -> web.Response:
    """Return a JSON response."""
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        content_type="application/json",
        headers=headers,
    )


def error_reply(
    status: int, message: str = "went wrong", code: str | None = None, **headers: str
) -> web.Response:
    """Return a response carrying the API's JSON error envelope."""
    envelope: dict[str, Any] = {"error": True, "message": message}
    if code is not None:
        envelope["code"] = code
    return json_reply(
        status, envelope, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )


async def reset_reply(request: web.Request) -> web.StreamResponse:
    """Drop the connection without answering, as a crashed proxy does."""
    assert request.transport is not None
    request.transport.abort()
    return web.Response()


class ScriptedServer:
    """A loopback HTTP server answering each request with the next scripted reply.

    Once the script is used up, every request gets ``default``. ``stall``
    replies wait until the test ends, to provoke client timeouts.
    """

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.default: Reply = json_reply(200, {})
        self.received: list[Received] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.url = ""
        self._release = asyncio.Event()

    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests, in order."""
        self.replies.extend(replies)

    async def stall(self, request: web.Request) -> web.StreamResponse:
        """Answer only when the test ends (or after 5 s), so the client times out first."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._release.wait(), 5)
        return web.Response(status=204)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.received.append(
            Received(
                request.method,
                request.raw_path,
                CIMultiDict(request.headers),
                body,
                time.monotonic(),
            )
        )
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            reply = self.replies.popleft() if self.replies else self.default
            if isinstance(reply, web.StreamResponse):
                return _copy(reply)
            return await reply(request)
        finally:
            self.in_flight -= 1

    def release(self) -> None:
        self._release.set()


def _copy(response: web.StreamResponse) -> web.StreamResponse:
    # A prepared aiohttp response can be sent once, so each use gets a copy.
    assert isinstance(response, web.Response)
    return web.Response(
        status=response.status,
        reason=response.reason,
        body=response.body,  # type: ignore[arg-type]
        headers=response.headers,
    )


async def start_app(app: web.Application) -> tuple[web.AppRunner, str]:
    """Start ``app`` on a free loopback port and return its runner and base URL."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

    def policy(self, **options: Any) -> RetryPolicy:
        """Return a retry policy on this clock, without jitter unless asked."""
        options.setdefault("jitter", False)
        return RetryPolicy(clock=self.clock, sleep=self.sleep, **options)


API_KEY = "pwt_ZXhhbXBsZS5pbnZhbGlk.s3cr3t-api-key-value"
"""A syntactically valid API key for scripted servers (its host is example.invalid)."""
