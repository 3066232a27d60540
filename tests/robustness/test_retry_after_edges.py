"""Retry-After values at the edges: huge numbers give up, non-ASCII-digit forms are ignored."""

from __future__ import annotations

import math
import time

import pytest
from aiohttp import web

from pwasync import Client, RateLimitError, RetryPolicy
from pwasync._retry import parse_retry_after

from ._scripted import API_KEY, scripted

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)


@pytest.mark.parametrize(
    "value",
    ["1_0", "1e3", "+5", "\u0661\u0660", "0x10", "inf", "Infinity", "5.", ".5", "1 0"],
)
def test_non_delay_seconds_ignored(value: str) -> None:
    """A Retry-After that is neither ASCII delay-seconds nor an HTTP date reads as absent."""
    assert parse_retry_after(value) is None


def test_huge_delay_seconds_is_infinite() -> None:
    """Delay-seconds too large for a float read as an infinite wait, not as absent."""
    assert parse_retry_after("9" * 400) == math.inf
    assert parse_retry_after("12.5") == 12.5


async def test_huge_retry_after_gives_up() -> None:
    """A 429 whose Retry-After overflows a float raises RateLimitError after one request."""
    huge = web.Response(status=429, headers={"Retry-After": "9" * 400})
    async with (
        scripted([huge, "alice"]) as server,
        Client(api_key=API_KEY, base_url=server.url, retry=FAST) as pw,
    ):
        with pytest.raises(RateLimitError) as caught:
            await pw.auth.whoami()

    assert caught.value.retry_after == math.inf
    assert server.requests == 1


async def test_underscored_retry_after_not_honoured() -> None:
    """A 429 with Retry-After "1_0" retries on the policy's backoff, not after 10 seconds."""
    odd = web.Response(status=429, headers={"Retry-After": "1_0"})
    async with (
        scripted([odd, "alice"]) as server,
        Client(api_key=API_KEY, base_url=server.url, retry=FAST) as pw,
    ):
        started = time.monotonic()

        name = await pw.auth.whoami()

        elapsed = time.monotonic() - started
    assert name == "alice"
    assert server.requests == 2
    assert elapsed < 2
