"""Closing a client while requests are in flight ends them without planning retries."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import anyio
import pytest
from aiohttp import web

from pwasync import Client, ClientClosedError, RetryPolicy

from ._scripted import API_KEY

pytestmark = pytest.mark.anyio


@contextlib.asynccontextmanager
async def _stalling_server(arrived: anyio.Event, count: int) -> AsyncIterator[str]:
    """Serve on loopback, holding every request until the client goes away."""
    seen = 0

    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        nonlocal seen
        seen += 1
        if seen == count:
            arrived.set()
        await anyio.sleep(30)
        return web.json_response("late")

    runner = web.ServerRunner(web.Server(handle), shutdown_timeout=0.1)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def test_close_in_flight_logs_no_retry(caplog: pytest.LogCaptureFixture) -> None:
    """Requests in flight at aclose() raise ClientClosedError and log no retry warning."""
    arrived = anyio.Event()
    errors: list[BaseException] = []
    policy = RetryPolicy(attempts=5, base_delay=0.2, max_delay=0.2)

    async def call(pw: Client) -> None:
        try:
            await pw.auth.whoami()
        except Exception as error:
            errors.append(error)

    with caplog.at_level(logging.DEBUG, logger="pwasync"):
        async with _stalling_server(arrived, count=3) as url:
            pw = Client(api_key=API_KEY, base_url=url, retry=policy, timeout=10)
            await pw.open()
            with anyio.fail_after(5):
                async with anyio.create_task_group() as tasks:
                    for _ in range(3):
                        tasks.start_soon(call, pw)
                    await arrived.wait()
                    await pw.aclose()

    warnings = [
        record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING
    ]
    assert warnings == []
    assert len(errors) == 3
    for error in errors:
        assert isinstance(error, ClientClosedError)
        assert "closed while GET /api/auth/whoami was in flight" in str(error)
