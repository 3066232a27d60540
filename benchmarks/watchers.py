"""Watchers at scale: thousands of concurrent ``provision_status.watch`` streams in one process.

The emulator runs in a separate process with one slow provisioning run per
watcher. The client process opens one ``Client`` with its default
``max_concurrency`` and connection limits and starts one ``watch`` per run,
each consumed by its own task, as an application would.

Two phases measure separately, because tracing allocations slows Python
down. The first, with tracemalloc on, samples the memory held above a
baseline taken after the client's first request. The second, with
tracemalloc off, takes the client's CPU time per poll and counts the polls
(from the emulator's request statistics) and the events delivered.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
import tracemalloc

import anyio
import anyio.to_thread
import attrs

from benchmarks._harness import ChildServer, child_server, median
from benchmarks._report import Check, Figure, Table
from pwasync import Client

TITLE = "Watchers at scale: concurrent `provision_status.watch` streams"
TARGET_KB_PER_WATCHER = 20.0
POLL_OPERATION = "provision_status.get"


@attrs.frozen(kw_only=True)
class Settings:
    """The scale and timing of one run of the figure."""

    watchers: int
    steps: int
    step_seconds: float
    interval: float
    max_interval: float
    memory_samples: int
    sample_every: float
    cpu_window: float


FULL = Settings(
    watchers=5_000,
    steps=6,
    step_seconds=60.0,
    interval=10.0,
    max_interval=30.0,
    memory_samples=5,
    sample_every=3.0,
    cpu_window=30.0,
)
QUICK = Settings(
    watchers=200,
    steps=4,
    step_seconds=4.0,
    interval=0.5,
    max_interval=2.0,
    memory_samples=3,
    sample_every=0.5,
    cpu_window=3.0,
)


@attrs.define
class Tally:
    """Counts of what the watchers received.

    With ``by_poll``, the watchers also count the polls that delivered events.
    Events of one poll share one snapshot object, so a new snapshot marks a
    new poll. Counting this way keeps one snapshot alive per watcher, which is
    why the memory phase does not do it.
    """

    by_poll: bool
    events: int = 0
    polls_with_events: int = 0


def _raise_open_file_limit() -> None:
    if sys.platform == "win32":
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65_536 if hard == resource.RLIM_INFINITY else min(hard, 65_536)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


async def _watch(client: Client, org: str, infra_id: str, settings: Settings, tally: Tally) -> None:
    """Consume one watch stream, counting into ``tally``."""
    last_snapshot = None
    async with client.provision_status.watch(
        org, infra_id, interval=settings.interval, max_interval=settings.max_interval
    ) as events:
        async for event in events:
            tally.events += 1
            if tally.by_poll and event.snapshot is not last_snapshot:
                tally.polls_with_events += 1
                last_snapshot = event.snapshot


async def _polls(server: ChildServer) -> int:
    """Return the polls the emulator has served since its last reset."""
    stats = await anyio.to_thread.run_sync(server.command, "stats")
    polls: int = stats["by_operation"].get(POLL_OPERATION, 0)
    return polls


async def _wait_for_polls(server: ChildServer, count: int, *, within: float) -> None:
    """Wait until the emulator has served ``count`` polls since its last reset.

    Raises ``TimeoutError`` when that takes more than ``within`` seconds.
    """
    deadline = time.monotonic() + within
    while await _polls(server) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the watchers made fewer than {count} polls in {within:.0f} s")
        await asyncio.sleep(0.5)


@attrs.frozen(kw_only=True)
class MemoryResult:
    """Memory traced above the baseline, per watcher, in bytes."""

    per_watcher: float
    peak_per_watcher: float


async def _memory_phase(server: ChildServer, settings: Settings) -> MemoryResult:
    info = server.info
    tracemalloc.start()
    async with Client(api_key=info["api_key"], base_url=info["url"]) as client:
        await client.provision_status.get(info["org"], info["infra_ids"][0])
        gc.collect()
        baseline = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        server.command("reset")

        tally = Tally(by_poll=False)
        samples = []
        async with anyio.create_task_group() as group:
            for infra_id in info["infra_ids"]:
                group.start_soon(_watch, client, info["org"], infra_id, settings, tally)
            await _wait_for_polls(server, settings.watchers, within=120)
            for _ in range(settings.memory_samples):
                await asyncio.sleep(settings.sample_every)
                samples.append(tracemalloc.get_traced_memory()[0] - baseline)
            peak = tracemalloc.get_traced_memory()[1] - baseline
            group.cancel_scope.cancel()
    tracemalloc.stop()

    return MemoryResult(
        per_watcher=median(samples) / settings.watchers,
        peak_per_watcher=peak / settings.watchers,
    )


@attrs.frozen(kw_only=True)
class CpuResult:
    """Client CPU time and event counts over the measured window."""

    polls: int
    cpu_per_poll: float
    share_with_events: float
    events_per_poll: float
    window: float


async def _cpu_phase(server: ChildServer, settings: Settings) -> CpuResult:
    info = server.info
    async with Client(api_key=info["api_key"], base_url=info["url"]) as client:
        tally = Tally(by_poll=True)
        async with anyio.create_task_group() as group:
            server.command("reset")
            for infra_id in info["infra_ids"]:
                group.start_soon(_watch, client, info["org"], infra_id, settings, tally)
            await _wait_for_polls(server, settings.watchers, within=120)

            polls_before = await _polls(server)
            events_before, with_events_before = tally.events, tally.polls_with_events
            cpu_before, started = time.process_time(), time.perf_counter()
            await asyncio.sleep(settings.cpu_window)
            cpu = time.process_time() - cpu_before
            window = time.perf_counter() - started
            polls = await _polls(server) - polls_before
            events = tally.events - events_before
            with_events = tally.polls_with_events - with_events_before
            group.cancel_scope.cancel()

    return CpuResult(
        polls=polls,
        cpu_per_poll=cpu / polls,
        share_with_events=with_events / polls,
        events_per_poll=events / polls,
        window=window,
    )


def _figure(settings: Settings, memory: MemoryResult, cpu: CpuResult) -> Figure:
    kb = memory.per_watcher / 1024
    rows = (
        ("watchers", f"{settings.watchers:,}"),
        ("memory per watcher above baseline (median of samples)", f"{kb:.1f} KB"),
        ("peak memory per watcher above baseline", f"{memory.peak_per_watcher / 1024:.1f} KB"),
        ("polls in the CPU window", f"{cpu.polls:,} in {cpu.window:.0f} s"),
        ("client CPU per poll", f"{cpu.cpu_per_poll * 1e6:.0f} µs"),
        ("share of polls that delivered at least one event", f"{cpu.share_with_events:.0%}"),
        ("events per poll", f"{cpu.events_per_poll:.2f}"),
    )
    setup = (
        f"{settings.watchers:,} watchers, one per provisioning run of {settings.steps} steps "
        f"of {settings.step_seconds:.0f} s each (four updates per step), with "
        f"`interval={settings.interval}` and `max_interval={settings.max_interval}`, against "
        "the emulator in a separate process. Memory is what tracemalloc traces above the "
        "baseline after the first request, sampled "
        f"{settings.memory_samples} times {settings.sample_every:.0f} s apart once every "
        "watcher has polled; it includes each consumer task. CPU is this process's CPU time "
        f"over a {settings.cpu_window:.0f} s window after every watcher has polled, divided "
        "by the polls the emulator served in it."
    )
    return Figure(
        title=TITLE,
        setup=setup,
        tables=(Table(headers=("measure", "value"), rows=rows),),
        checks=(
            Check(
                name="memory per watcher",
                measured=kb,
                threshold=TARGET_KB_PER_WATCHER,
                unit=" KB",
                higher_is_better=False,
            ),
        ),
    )


def run(*, quick: bool) -> Figure:
    """Measure the watchers figure; ``quick`` runs a few hundred watchers on short intervals."""
    settings = QUICK if quick else FULL
    _raise_open_file_limit()
    arguments = (
        f"--runs={settings.watchers}",
        f"--steps={settings.steps}",
        f"--step-seconds={settings.step_seconds}",
    )
    with child_server("benchmarks._emulator_server", *arguments) as server:
        # A run reports no steps for its first quarter step. Waiting until
        # every run has its steps lets the watchers see real snapshots.
        time.sleep(settings.step_seconds / 4 + 1)
        memory = asyncio.run(_memory_phase(server, settings))
        cpu = asyncio.run(_cpu_phase(server, settings))
    return _figure(settings, memory, cpu)
