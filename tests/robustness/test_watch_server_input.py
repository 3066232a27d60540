"""A provisioning watch against a server that breaks the contract: it ends cleanly or goes on."""

from __future__ import annotations

import time

import pytest
from aiohttp import web

from pwasync import Client, ProvisionEvent, RateLimitError, RetryPolicy

from ._scripted import API_KEY, scripted, step

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)


async def _events(url: str, *, timeout: float = 5.0) -> list[ProvisionEvent]:
    async with Client(api_key=API_KEY, base_url=url, retry=FAST) as pw:
        watch = pw.provision_status.watch(
            "acme", "inf-1", interval=0.01, max_interval=0.02, timeout=timeout
        )
        async with watch as events:
            return [event async for event in events]


def _kinds(events: list[ProvisionEvent]) -> list[tuple[str, str, str]]:
    return [
        (event.kind.value, event.step.status.value if event.step else "", event.new_logs)
        for event in events
    ]


async def test_retry_after_over_ceiling_ends_watch() -> None:
    """A 429 whose Retry-After exceeds max_retry_after ends the watch at once."""
    too_long = web.Response(status=429, headers={"Retry-After": "3600"})
    async with scripted([too_long, [step(0, "a", "provisioned")]]) as server:
        started = time.monotonic()

        with pytest.raises(RateLimitError) as caught:
            await _events(server.url, timeout=3)

        elapsed = time.monotonic() - started
    assert caught.value.retry_after == 3600
    assert elapsed < 2
    assert server.requests == 1


async def test_lone_surrogates_in_logs_delivered() -> None:
    """Logs that contain an escaped lone surrogate are delivered like any other text."""
    replies = [
        [step(0, "a", "provisioning", "\ud800start")],
        [step(0, "a", "provisioned", "\ud800start\udfffend")],
    ]
    async with scripted(replies) as server:
        events = await _events(server.url)

    assert _kinds(events) == [
        ("step_added", "provisioning", ""),
        ("logs_appended", "provisioning", "\ud800start"),
        ("logs_appended", "provisioned", "\udfffend"),
        ("status_changed", "provisioned", ""),
        ("finished", "", ""),
    ]


async def test_repeated_step_id_reported_once() -> None:
    """A step id listed twice is reported from its first entry, without flapping events."""
    replies = [
        [step(0, "a", "provisioning", "abc"), step(1, "a", "provisioned", "abcdef")],
        [step(0, "a", "provisioning", "abc"), step(1, "a", "provisioned", "abcdef")],
        [step(0, "a", "provisioning", "abc"), step(1, "a", "provisioned", "abcdef")],
        [step(0, "a", "provisioned", "abcdef"), step(1, "a", "provisioned", "abcdef")],
    ]
    async with scripted(replies) as server:
        events = await _events(server.url)

    assert _kinds(events) == [
        ("step_added", "provisioning", ""),
        ("logs_appended", "provisioning", "abc"),
        ("logs_appended", "provisioned", "def"),
        ("status_changed", "provisioned", ""),
        ("finished", "", ""),
    ]
