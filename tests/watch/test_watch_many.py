"""provision_status.watch_many against the emulator."""

from __future__ import annotations

import anyio
import pytest

from pwasync import Client, NotFoundError, ProvisionEvent, ProvisionOutcome, WatchFailure
from pwasync.testing import Emulator, Faults

from ._checks import check_events_match

pytestmark = pytest.mark.anyio

STEPS = ["plan", "network", "compute"]


async def test_two_hundred_runs_within_concurrency(emulator: Emulator, pw: Client) -> None:
    """200 runs watched with concurrency 20: at most 20 polls in flight, every run complete."""
    runs = [
        emulator.start_provisioning(emulator.org, emulator.user, f"many{number}", steps=STEPS)
        for number in range(200)
    ]
    # Latency keeps each poll in flight long enough for polls to overlap.
    emulator.faults = Faults(latency=0.01)
    emulator.reset_stats()
    by_run: dict[str, list[ProvisionEvent]] = {infra_id: [] for infra_id in runs}
    failures: list[WatchFailure] = []

    async with pw.provision_status.watch_many(
        emulator.org, runs, concurrency=20, interval=0.02, max_interval=0.05
    ) as items:
        async for item in items:
            if isinstance(item, WatchFailure):
                failures.append(item)
            else:
                by_run[item.infra_id].append(item)

    assert failures == []
    assert emulator.stats.max_in_flight == 20
    for events in by_run.values():
        assert events[-1].outcome is ProvisionOutcome.SUCCEEDED
        check_events_match(events, events[-1].snapshot)


async def test_missing_run_fails_alone(emulator: Emulator, pw: Client) -> None:
    """A run that does not exist yields a WatchFailure; the other runs still finish."""
    good = emulator.start_provisioning(emulator.org, emulator.user, "good", steps=STEPS)
    items: list[ProvisionEvent | WatchFailure] = []

    async with pw.provision_status.watch_many(
        emulator.org, [good, "missing-run"], interval=0.01, max_interval=0.02
    ) as stream:
        items = [item async for item in stream]

    failures = [item for item in items if isinstance(item, WatchFailure)]
    assert [failure.infra_id for failure in failures] == ["missing-run"]
    assert isinstance(failures[0].error, NotFoundError)
    events = [item for item in items if isinstance(item, ProvisionEvent)]
    assert events[-1].infra_id == good
    assert events[-1].outcome is ProvisionOutcome.SUCCEEDED


async def test_leaving_block_stops_every_poll(emulator: Emulator, pw: Client) -> None:
    """Leaving watch_many's block early stops all watches: no request is sent afterwards."""
    runs = [
        emulator.start_provisioning(
            emulator.org, emulator.user, f"slow{number}", steps=STEPS, step_seconds=5.0
        )
        for number in range(10)
    ]

    async with pw.provision_status.watch_many(
        emulator.org, runs, interval=0.01, max_interval=0.01
    ) as stream:
        async for _ in stream:
            break
    # Polls cancelled at exit may still reach the server's queue; let it drain.
    await anyio.sleep(0.05)
    requests_after_exit = emulator.stats.requests
    await anyio.sleep(0.1)

    assert emulator.stats.requests == requests_after_exit
    assert emulator.stats.in_flight == 0
    snapshot = await pw.provision_status.get(emulator.org, runs[0])
    assert snapshot.infra_id == runs[0]


async def test_cursors_resume_runs(emulator: Emulator, pw: Client) -> None:
    """cursors resume each named run after its delivered events."""
    infra_id = emulator.start_provisioning(emulator.org, emulator.user, "res", steps=STEPS)
    await pw.provision_status.wait(emulator.org, infra_id, interval=0.01, max_interval=0.02)
    async with pw.provision_status.watch(emulator.org, infra_id) as events:
        delivered = [event async for event in events]

    async with pw.provision_status.watch_many(
        emulator.org, [infra_id], cursors={infra_id: delivered[-1].cursor}
    ) as stream:
        resumed = [item async for item in stream]

    assert resumed == []
