"""Fixtures for watcher tests: an emulator with fast steps and a client of it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pwasync import Client, RetryPolicy
from pwasync.testing import Emulator

# Retries fast enough for tests, and patient enough for injected faults.
FAST_RETRY = RetryPolicy(attempts=6, base_delay=0.005, max_delay=0.05, deadline=None)


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """Yield a running emulator whose steps take 40 ms."""
    async with Emulator(step_seconds=0.04, seed=3) as running:
        yield running


@pytest.fixture
async def pw(emulator: Emulator) -> AsyncIterator[Client]:
    """Yield an open admin client with fast retries and a 0.5 s timeout per attempt."""
    async with Client(
        api_key=emulator.api_key, base_url=emulator.url, retry=FAST_RETRY, timeout=0.5
    ) as client:
        yield client
