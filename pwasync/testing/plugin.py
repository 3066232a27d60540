"""pytest fixtures for testing code that uses pwasync, loaded as the ``pwasync`` plugin.

``pw_emulator`` is a running ``Emulator`` with fast steps (0.05 s), closed
after the test. ``@pytest.mark.pw_emulator(**options)`` passes other options
to it, and ``pw_emulator_factory`` starts more emulators from inside a test.
``pw_client`` is an open ``pwasync.Client`` of ``pw_emulator``'s platform
admin. The fixtures are async, so tests that use them run under anyio's pytest plugin
(``@pytest.mark.anyio``) on the asyncio backend, which aiohttp needs.

The module imports nothing heavy, so loading the plugin stays cheap and works
without the ``testing`` extra. Without that extra, the fixtures fail with the
command that installs it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pwasync import Client
    from pwasync.testing._emulator import Emulator

__all__ = ["pw_client", "pw_emulator", "pw_emulator_factory"]

# Steps short enough that provisioning runs finish within a test's patience.
FIXTURE_STEP_SECONDS = 0.05


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "pw_emulator(**options): keyword arguments for the Emulator of the pw_emulator fixture",
    )


def _check_backend(anyio_backend: Any) -> None:
    name = anyio_backend[0] if isinstance(anyio_backend, tuple) else anyio_backend
    if name != "asyncio":
        raise pytest.UsageError(
            f"the pwasync emulator runs on asyncio only (aiohttp needs it), but the "
            f"anyio_backend fixture selects {name!r}; return 'asyncio' from anyio_backend"
        )


def _emulator_class() -> type[Emulator]:
    from pwasync.testing._emulator import Emulator

    return Emulator


@pytest.fixture
async def pw_emulator(
    anyio_backend: Any, request: pytest.FixtureRequest
) -> AsyncIterator[Emulator]:
    """Yield a running emulator, with options from ``@pytest.mark.pw_emulator(...)``."""
    _check_backend(anyio_backend)
    marker = request.node.get_closest_marker("pw_emulator")
    options: dict[str, Any] = {"step_seconds": FIXTURE_STEP_SECONDS}
    if marker is not None:
        options.update(marker.kwargs)
    async with _emulator_class()(**options) as emulator:
        yield emulator


@pytest.fixture
async def pw_emulator_factory(
    anyio_backend: Any,
) -> AsyncIterator[Callable[..., Awaitable[Emulator]]]:
    """Yield an async function that starts an emulator; all of them close after the test."""
    _check_backend(anyio_backend)
    started: list[Emulator] = []

    async def start(**options: Any) -> Emulator:
        options.setdefault("step_seconds", FIXTURE_STEP_SECONDS)
        emulator = _emulator_class()(**options)
        await emulator.start()
        started.append(emulator)
        return emulator

    try:
        yield start
    finally:
        for emulator in reversed(started):
            await emulator.aclose()


@pytest.fixture
async def pw_client(pw_emulator: Emulator) -> AsyncIterator[Client]:
    """Yield an open client of ``pw_emulator``'s platform admin, closed after the test."""
    from pwasync import Client

    async with Client(api_key=pw_emulator.api_key, base_url=pw_emulator.url) as client:
        yield client
