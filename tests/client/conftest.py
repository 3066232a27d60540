"""Fixtures for client tests: a scripted loopback server, a fake clock, the emulator client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from pwasync import Client
from pwasync.testing import Emulator

from ._support import FakeTime, ScriptedServer, start_app


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    """Yield a running scripted server."""
    scripted = ScriptedServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", scripted.handle)
    runner, scripted.url = await start_app(app)
    try:
        yield scripted
    finally:
        scripted.release()
        await runner.cleanup()


@pytest.fixture
def fake_time() -> FakeTime:
    """Return a fake clock for retry policies."""
    return FakeTime()


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """Yield a running emulator with fast steps."""
    async with Emulator(step_seconds=0.02) as running:
        yield running


@pytest.fixture
async def pw(emulator: Emulator) -> AsyncIterator[Client]:
    """Yield an open client of the emulator's platform admin."""
    async with Client(api_key=emulator.api_key, base_url=emulator.url) as client:
        yield client
