"""Watchers under injected faults: errors, resets, 429s and stalls from the emulator."""

from __future__ import annotations

import anyio
import pytest

from pwasync import Client, ProvisionEvent, ProvisionOutcome, RetryPolicy, ServerError
from pwasync.testing import Emulator, Faults

from ._checks import check_events_match

pytestmark = pytest.mark.anyio

STEPS = ["plan", "network", "compute"]
FAULTS = Faults(
    error_rate=0.08,
    reset_rate=0.04,
    rate_limit_rate=0.01,
    retry_after=1,
    stall_rate=0.01,
    stall_seconds=1.0,
    seed=11,
)


async def test_hundred_watches_survive_faults(emulator: Emulator) -> None:
    """100 concurrent watches under faults all finish right, no event repeated or lost."""
    failing = {f"run{number}" for number in range(0, 100, 10)}
    runs = {
        name: emulator.start_provisioning(
            emulator.org, emulator.user, name, steps=STEPS,
            fail_at="network" if name in failing else None,
        )
        for name in (f"run{number}" for number in range(100))
    }  # fmt: skip
    emulator.faults = FAULTS
    results: dict[str, list[ProvisionEvent]] = {}
    # Stalls outlast the 0.25 s attempt timeout, so they fail as timeouts and retry.
    policy = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05, deadline=None)

    async def watch(client: Client, name: str) -> None:
        stream = client.provision_status.watch(
            emulator.org, runs[name], interval=0.02, max_interval=0.1, timeout=30
        )
        async with stream as events:
            results[name] = [event async for event in events]

    async with (
        Client(
            api_key=emulator.api_key, base_url=emulator.url, retry=policy, timeout=0.25
        ) as client,
        anyio.create_task_group() as tasks,
    ):
        for name in runs:
            tasks.start_soon(watch, client, name)

    faults = emulator.stats.faults
    assert faults.get("error", 0) + faults.get("html_error", 0) > 0
    assert faults.get("reset", 0) > 0
    assert faults.get("rate_limit", 0) > 0
    assert faults.get("stall", 0) > 0
    for name, events in results.items():
        final = events[-1].snapshot
        expected = ProvisionOutcome.FAILED if name in failing else ProvisionOutcome.SUCCEEDED
        assert final.outcome is expected, name
        check_events_match(events, final)
    assert len(results) == 100


async def test_persistent_failure_raises_last_error(emulator: Emulator) -> None:
    """Polls failing every time end the watch with the last error after the policy's attempts."""
    infra_id = emulator.start_provisioning(emulator.org, emulator.user, "down", steps=["a"])
    emulator.faults = Faults(error_rate=1.0)
    policy = RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.002, deadline=None)

    async with Client(api_key=emulator.api_key, base_url=emulator.url, retry=policy) as client:
        with pytest.raises(ServerError):
            async for _ in client.provision_status.watch(
                emulator.org, infra_id, interval=0.005, max_interval=0.01
            ):
                pass  # pragma: no cover

    # The transport tries twice per poll and the watcher polls twice.
    assert emulator.stats.requests == 4
