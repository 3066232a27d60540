"""Seeded fault injection: errors, resets, 429s, stalls, latency and the token bucket."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import attrs
import pytest

from pwasync.testing import Emulator, Faults

pytestmark = pytest.mark.anyio

Auth = Callable[[str], dict[str, str]]


async def run_sequence(faults: Faults, auth: Auth, count: int = 40) -> list[tuple[int, str]]:
    """Send ``count`` requests to a fresh emulator and return each status and content type."""
    outcomes = []
    async with Emulator(faults=faults) as emu, aiohttp.ClientSession(emu.url) as http:
        for index in range(count):
            path = "/api/auth/whoami" if index % 2 else "/api/sessions"
            async with http.get(path, headers=auth(emu.api_key)) as response:
                outcomes.append((response.status, response.content_type))
    return outcomes


async def test_same_seed_same_faults(auth: Auth) -> None:
    """Two runs of one request sequence with Faults(error_rate=0.3, seed=7) fault alike."""
    faults = Faults(error_rate=0.3, seed=7)

    first = await run_sequence(faults, auth)
    second = await run_sequence(faults, auth)
    other_seed = await run_sequence(attrs.evolve(faults, seed=8), auth)

    statuses = [status for status, _ in first]
    assert first == second
    assert first != other_seed
    assert 5 <= sum(status >= 500 for status in statuses) <= 20
    assert {status for status in statuses if status >= 500} <= {500, 502, 503}
    assert statuses.count(200) >= 20


async def test_server_errors_use_envelope_or_html(auth: Auth) -> None:
    """Injected errors are 500, 502 and 503 in the envelope, with now and then an HTML 502."""
    outcomes = await run_sequence(Faults(error_rate=1.0, seed=1), auth, count=30)

    assert {status for status, _ in outcomes} == {500, 502, 503}
    assert ("text/html", 502) in {(kind, status) for status, kind in outcomes}
    assert all(kind == "application/json" for status, kind in outcomes if status != 502)


async def test_error_envelope_and_503_retry_after(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """A JSON fault carries the error envelope; a 503 also carries Retry-After."""
    emu.faults = Faults(error_rate=1.0, retry_after=2, seed=3)
    seen: dict[int, Any] = {}

    for _ in range(20):
        async with http.get("/api/auth/whoami", headers=admin) as response:
            if response.content_type == "application/json":
                seen[response.status] = (await response.json(), response.headers)

    body, headers = seen[503]
    assert body["error"] is True
    assert body["message"]
    assert headers["Retry-After"] == "2"
    assert "Retry-After" not in seen[500][1]


async def test_reset_closes_without_response(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """A reset closes the connection with no response, and the request changes nothing."""
    emu.faults = Faults(reset_rate=1.0)
    path = f"/api/organizations/{emu.org}/ai/{emu.user}"

    with pytest.raises(aiohttp.ClientConnectionError):
        async with http.post(path, headers=admin, json={"name": "kb", "csp": "aws"}):
            pass
    emu.faults = Faults()
    async with http.get(path, headers=admin) as response:
        listed = await response.json()

    assert listed == {"ai": []}
    assert emu.stats.faults["reset"] == 1
    assert 429 not in emu.stats.by_status


@pytest.mark.parametrize("form", ["seconds", "http-date"])
async def test_rate_limit_retry_after_forms(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str], form: str
) -> None:
    """Rate limit faults return 429 with Retry-After as seconds or as an HTTP date."""
    emu.faults = Faults(rate_limit_rate=1.0, retry_after=3, retry_after_form=form)  # type: ignore[arg-type]

    async with http.get("/api/sessions", headers=admin) as response:
        status, value = response.status, response.headers["Retry-After"]
        body = await response.json()

    assert status == 429
    assert body["code"] == "rate_limited"
    if form == "seconds":
        assert value == "3"
    else:
        wait = (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds()
        assert value.endswith("GMT")
        assert 2 <= wait <= 4.5


async def test_stall_outlasts_client_timeout(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """A stall sends nothing, so a client timeout fires first."""
    emu.faults = Faults(stall_rate=1.0, stall_seconds=30)
    started = time.monotonic()

    with pytest.raises(asyncio.TimeoutError):
        async with http.get(
            "/api/auth/whoami", headers=admin, timeout=aiohttp.ClientTimeout(total=0.2)
        ):
            pass

    assert time.monotonic() - started < 5
    assert emu.stats.faults["stall"] == 1


async def test_client_leaving_stall_is_no_error(
    emu: Emulator,
    http: aiohttp.ClientSession,
    admin: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A client that gives up on a stalled POST leaves no error log and no counted status."""
    emu.faults = Faults(stall_rate=1.0, stall_seconds=0.2)
    path = f"/api/organizations/{emu.org}/ai/{emu.user}"

    with pytest.raises(asyncio.TimeoutError):
        async with http.post(
            path,
            headers=admin,
            json={"name": "kb", "csp": "aws"},
            timeout=aiohttp.ClientTimeout(total=0.05),
        ):
            pass
    await asyncio.sleep(0.4)

    assert emu.stats.faults["stall"] == 1
    assert emu.stats.in_flight == 0
    assert dict(emu.stats.by_status) == {}
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []


async def test_short_stall_then_answers(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """A stall shorter than the client's patience ends in the normal response."""
    emu.faults = Faults(stall_rate=1.0, stall_seconds=0.1)
    started = time.monotonic()

    async with http.get("/api/auth/whoami", headers=admin) as response:
        status = response.status

    assert status == 200
    assert time.monotonic() - started >= 0.1


async def test_token_bucket_per_key(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str], auth: Auth
) -> None:
    """The bucket admits a burst per key, then returns 429 until its next free slot."""
    emu.faults = Faults(requests_per_second=5, burst=2)
    other = auth(emu.add_user("hank"))

    statuses = []
    for _ in range(3):
        async with http.get("/api/auth/whoami", headers=admin) as response:
            statuses.append(response.status)
            retry_after = response.headers.get("Retry-After")
    async with http.get("/api/auth/whoami", headers=other) as response:
        other_status = response.status
    await asyncio.sleep(0.25)
    async with http.get("/api/auth/whoami", headers=admin) as response:
        refilled = response.status

    assert statuses == [200, 200, 429]
    assert retry_after == "1"
    assert other_status == 200
    assert refilled == 200
    assert emu.stats.faults["throttle"] == 1


async def test_faults_reach_discovery_routes(emu: Emulator, http: aiohttp.ClientSession) -> None:
    """Public discovery documents are subject to faults like every other route."""
    emu.faults = Faults(rate_limit_rate=1.0)

    async with http.get("/api/platform/keys") as response:
        status = response.status

    assert status == 429


async def test_latency_delays_and_overlaps(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """Latency delays each response, and concurrent requests overlap in flight."""
    emu.faults = Faults(latency=0.1)
    emu.reset_stats()

    async def whoami() -> int:
        async with http.get("/api/auth/whoami", headers=admin) as response:
            return response.status

    started = time.monotonic()
    statuses = await asyncio.gather(*(whoami() for _ in range(8)))
    elapsed = time.monotonic() - started

    assert statuses == [200] * 8
    assert 0.1 <= elapsed < 0.8
    assert emu.stats.max_in_flight == 8
    assert emu.stats.in_flight == 0


async def test_faults_replaced_while_running(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """Assigning emu.faults takes effect on the next request."""
    emu.faults = Faults(error_rate=1.0)
    async with http.get("/api/auth/whoami", headers=admin) as response:
        faulted = response.status

    emu.faults = None
    async with http.get("/api/auth/whoami", headers=admin) as response:
        clean = response.status

    assert faulted >= 500
    assert clean == 200
    assert emu.faults == Faults()


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"error_rate": 1.5}, "error_rate"),
        ({"reset_rate": -0.1}, "reset_rate"),
        ({"stall_rate": True}, "stall_rate"),
        ({"latency": -1}, "latency"),
        ({"latency": float("inf")}, "latency"),
        ({"retry_after": 0}, "retry_after"),
        ({"retry_after_form": "minutes"}, "retry_after_form"),
        ({"requests_per_second": 0}, "requests_per_second"),
        ({"burst": 0}, "burst"),
        ({"seed": "x"}, "seed"),
        ({"error_rate": 0.6, "reset_rate": 0.6}, "at most 1.0"),
    ],
)
def test_bad_faults_rejected(options: dict[str, Any], fragment: str) -> None:
    """Invalid fault settings raise ValueError naming the setting."""
    with pytest.raises(ValueError, match=fragment):
        Faults(**options)


def test_faults_frozen() -> None:
    """Faults cannot change after creation; replace them instead."""
    faults = Faults()

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        faults.error_rate = 0.5  # type: ignore[misc]

    assert faults.bucket_size == 1
    assert Faults(requests_per_second=2.5).bucket_size == 3
