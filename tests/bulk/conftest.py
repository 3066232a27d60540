"""Fixtures for bulk tests against the emulator: a user's sessions and a client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pwasync import Client
from pwasync.testing import Emulator


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """Yield a running emulator with a second user, 'other', out of the admin's reach."""
    async with Emulator(seed=5) as running:
        running.add_user("other")
        yield running


@pytest.fixture
async def pw(emulator: Emulator) -> AsyncIterator[Client]:
    """Yield an open client of the emulator's admin."""
    async with Client(api_key=emulator.api_key, base_url=emulator.url) as client:
        yield client
