"""Client.run_many against the emulator: many deletions, permissions, fail_fast, 429s."""

from __future__ import annotations

import anyio
import pytest

from pwasync import BulkError, Client, PermissionDeniedError, RetryPolicy
from pwasync.testing import Emulator, Faults

pytestmark = pytest.mark.anyio


def _sessions(emulator: Emulator, count: int, *, foreign_every: int = 0) -> list[tuple[str, str]]:
    """Create ``count`` sessions; every ``foreign_every``-th belongs to user 'other'."""
    keys = []
    for number in range(count):
        foreign = foreign_every and number % foreign_every == foreign_every - 1
        namespace = "other" if foreign else emulator.user
        name = f"bulk-{number:04d}"
        emulator.add_session(namespace, name)
        keys.append((namespace, name))
    return keys


async def test_thousand_deletions_within_concurrency(emulator: Emulator, pw: Client) -> None:
    """1,000 deletions with concurrency 50 succeed, in order, never more than 50 in flight."""
    keys = _sessions(emulator, 1000)
    # Latency keeps each request in flight long enough for requests to overlap.
    emulator.faults = Faults(latency=0.005)
    emulator.reset_stats()

    report = await pw.run_many(lambda key: pw.sessions.delete(*key), keys, concurrency=50)

    assert [outcome.item for outcome in report.outcomes] == keys
    assert len(report.succeeded) == 1000
    assert emulator.stats.max_in_flight == 50
    assert emulator.stats.by_operation == {"sessions.delete": 1000}
    remaining = {(session.user, session.name) for session in await pw.sessions.list()}
    assert remaining.isdisjoint(keys)


async def test_forbidden_items_fail_alone(emulator: Emulator, pw: Client) -> None:
    """Items in a namespace the caller may not touch fail with 403; the rest succeed."""
    keys = _sessions(emulator, 1000, foreign_every=10)
    foreign = [key for key in keys if key[0] == "other"]

    report = await pw.run_many(lambda key: pw.sessions.delete(*key), keys, concurrency=50)

    assert [outcome.item for outcome in report.failed] == foreign
    assert len(foreign) == 100
    assert all(isinstance(outcome.error, PermissionDeniedError) for outcome in report.failed)
    assert len(report.succeeded) == 900
    with pytest.raises(BulkError) as caught:
        report.raise_for_failures()
    denied, rest = caught.value.split(PermissionDeniedError)
    assert rest is None
    assert denied is not None
    assert [outcome.item for outcome in denied.outcomes] == foreign


async def test_fail_fast_starts_nothing_after_failure(emulator: Emulator, pw: Client) -> None:
    """With fail_fast the first 403 cancels the run and no call starts after it."""
    keys = _sessions(emulator, 300, foreign_every=100)
    started: list[tuple[str, str]] = []
    started_before_failure: list[int] = []

    async def delete(key: tuple[str, str]) -> None:
        started.append(key)
        try:
            await pw.sessions.delete(*key)
        except PermissionDeniedError:
            started_before_failure.append(len(started))
            raise

    report = await pw.run_many(delete, keys, concurrency=10, fail_fast=True)
    # Requests cancelled in transit may still reach the server's queue; let it drain.
    await anyio.sleep(0.05)
    requests_after_return = emulator.stats.requests
    await anyio.sleep(0.1)

    assert [outcome.item for outcome in report.failed] == [keys[99]]
    assert started_before_failure == [len(started)]
    assert len(report.outcomes) == 300
    assert len(report.cancelled) == 300 - len(report.succeeded) - 1
    assert report.cancelled[-1].item == keys[-1]
    assert emulator.stats.requests == requests_after_return
    assert emulator.stats.requests <= len(started)


async def _count_429s(emulator: Emulator, *, shared_cooldown: bool) -> int:
    """Run 150 calls against the emulator's token bucket and return the 429s it sent."""
    emulator.faults = Faults(requests_per_second=20, burst=50)
    emulator.reset_stats()
    policy = RetryPolicy(
        attempts=50, base_delay=0.01, max_delay=0.05, deadline=None, shared_cooldown=shared_cooldown
    )

    async with Client(api_key=emulator.api_key, base_url=emulator.url, retry=policy) as client:
        report = await client.run_many(lambda _: client.auth.whoami(), range(150), concurrency=50)

    report.raise_for_failures()
    return emulator.stats.faults.get("throttle", 0)


async def test_shared_cooldown_provokes_fewer_429s(emulator: Emulator) -> None:
    """Against a token bucket, the shared cooldown provokes far fewer 429s than independent retries.

    150 calls with concurrency 50 against a bucket of 20 requests per second
    with a burst of 50, whose 429s ask for Retry-After 1 s. The rate sits far
    below what the client can send even on a loaded machine, so independent
    retries keep discovering the limit one request at a time while the shared
    cooldown learns it once per pause.
    """
    shared = await _count_429s(emulator, shared_cooldown=True)
    independent = await _count_429s(emulator, shared_cooldown=False)

    assert independent > 0
    assert shared * 3 <= independent, (shared, independent)
