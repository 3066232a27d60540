"""Fixtures for the emulator's tests: a running emulator and a plain aiohttp client."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from pwasync.testing import Emulator


def basic(api_key: str) -> dict[str, str]:
    """Return the Authorization header that sends ``api_key`` as HTTP Basic user name."""
    encoded = base64.b64encode(f"{api_key}:".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """A running emulator with 0.05 s steps."""
    async with Emulator(step_seconds=0.05) as emulator:
        yield emulator


@pytest.fixture
async def http(emu: Emulator) -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session on the emulator's base URL, sending no credentials."""
    async with aiohttp.ClientSession(emu.url) as session:
        yield session


@pytest.fixture
def auth() -> Callable[[str], dict[str, str]]:
    """Build Basic authorization headers from an API key."""
    return basic


@pytest.fixture
def admin(emu: Emulator) -> dict[str, str]:
    """Authorization headers of the emulator's admin user."""
    return basic(emu.api_key)
