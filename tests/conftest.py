"""Shared test configuration: every async test runs on asyncio, which aiohttp requires."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    """Run anyio-marked tests and fixtures on asyncio only."""
    return "asyncio"
