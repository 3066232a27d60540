"""Bulk: ``run_many`` over 2,000 operations with 20 ms of emulated latency.

The emulator runs in a separate process and delays every response by 20 ms
(``Faults(latency=0.02)``). ``pw.run_many`` calls ``pw.auth.whoami()`` for
2,000 items with ``concurrency=50`` on a client whose ``max_concurrency`` is
also 50, so the ideal wall time is 2,000 / 50 x 20 ms = 0.8 s. Raw aiohttp
with an ``asyncio.Semaphore(50)`` runs the same requests side by side, in
alternating order, as the floor this machine sets.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp
import anyio.to_thread
import attrs

from benchmarks._harness import ChildServer, child_server, median, rotated
from benchmarks._official import basic_authorization
from benchmarks._report import Check, Figure, Table
from pwasync import Client

TITLE = "Bulk: `run_many` over 2,000 operations at 20 ms latency"
LATENCY = 0.02
CONCURRENCY = 50
TARGET_RATIO = 1.3
PWASYNC = "pwasync `run_many`"
RAW = "raw aiohttp + `asyncio.Semaphore`"


@attrs.frozen(kw_only=True)
class Settings:
    """The size of the run and how many rounds measure it."""

    items: int
    rounds: int


FULL = Settings(items=2_000, rounds=5)
QUICK = Settings(items=200, rounds=2)


@attrs.frozen(kw_only=True)
class Sample:
    """One contender's run: wall time, and the share of it each process spent on the CPU."""

    wall: float
    client_busy: float
    emulator_busy: float


Runner = Callable[[int], Awaitable[None]]


async def _emulator_cpu(server: ChildServer) -> float:
    reply = await anyio.to_thread.run_sync(server.command, "cpu")
    cpu_seconds: float = reply["cpu_seconds"]
    return cpu_seconds


async def _sample(runner: Runner, items: int, server: ChildServer) -> Sample:
    emulator_before = await _emulator_cpu(server)
    cpu_before, started = time.process_time(), time.perf_counter()
    await runner(items)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    emulator = await _emulator_cpu(server) - emulator_before
    return Sample(wall=wall, client_busy=cpu / wall, emulator_busy=emulator / wall)


async def _measure(server: ChildServer, settings: Settings) -> dict[str, list[Sample]]:
    url, api_key = server.info["url"], server.info["api_key"]
    headers = {"Authorization": basic_authorization(api_key)}
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with (
        Client(api_key=api_key, base_url=url, max_concurrency=CONCURRENCY) as client,
        aiohttp.ClientSession(url, headers=headers, connector=connector) as session,
    ):

        async def whoami(_: int) -> str:
            user: str = await client.auth.whoami()
            return user

        async def run_pwasync(items: int) -> None:
            report = await client.run_many(whoami, range(items), concurrency=CONCURRENCY)
            report.raise_for_failures()

        async def run_raw(items: int) -> None:
            limit = asyncio.Semaphore(CONCURRENCY)

            async def one() -> str:
                async with limit, session.get("/api/auth/whoami") as response:
                    response.raise_for_status()
                    user: str = await response.json()
                    return user

            await asyncio.gather(*(one() for _ in range(items)))

        runners: dict[str, Runner] = {PWASYNC: run_pwasync, RAW: run_raw}
        for runner in runners.values():
            await runner(CONCURRENCY * 4)

        samples: dict[str, list[Sample]] = {name: [] for name in runners}
        for round_number in range(settings.rounds):
            for name in rotated(list(runners), round_number):
                samples[name].append(await _sample(runners[name], settings.items, server))
    return samples


def _findings(samples: dict[str, list[Sample]], ideal: float) -> list[str]:
    findings = []
    for name, runs in samples.items():
        client = median([run.client_busy for run in runs])
        emulator = median([run.emulator_busy for run in runs])
        wall = median([run.wall for run in runs])
        findings.append(
            f"{name}: the client process was on the CPU {client:.0%} of the wall time and "
            f"the emulator {emulator:.0%}, over a median of {wall:.2f} s against the ideal "
            f"{ideal:.2f} s."
        )
    findings.append(
        "A process near 100% is the bottleneck: the wall time then measures the machine's "
        "CPU, not waiting, and raw aiohttp shows how close this machine comes to the ideal."
    )
    return findings


def run(*, quick: bool) -> Figure:
    """Measure the bulk figure; ``quick`` runs 200 items."""
    settings = QUICK if quick else FULL
    ideal = settings.items / CONCURRENCY * LATENCY
    with child_server("benchmarks._emulator_server", f"--latency={LATENCY}") as server:
        samples = asyncio.run(_measure(server, settings))

    rows = [
        (
            name,
            f"{median([run.wall for run in runs]):.3f}",
            f"{median([run.wall for run in runs]) / ideal:.2f}",
        )
        for name, runs in samples.items()
    ]
    pairs = zip(samples[PWASYNC], samples[RAW], strict=True)
    relative = median([ours.wall / theirs.wall for ours, theirs in pairs])
    rows.append(("pwasync / raw aiohttp (median of per-round ratios)", "", f"{relative:.2f}"))
    return Figure(
        title=TITLE,
        setup=(
            f"{settings.items:,} `auth.whoami` calls, concurrency {CONCURRENCY}, "
            f"{LATENCY * 1000:.0f} ms added by the emulator to every response; ideal wall "
            f"time {ideal:.2f} s. {settings.rounds} rounds in alternating order after a "
            "warm-up; the emulator runs in a separate process."
        ),
        tables=(Table(headers=("contender", "wall s (median)", "wall / ideal"), rows=tuple(rows)),),
        checks=(
            Check(
                name="pwasync wall time / ideal",
                measured=median([run.wall for run in samples[PWASYNC]]) / ideal,
                threshold=TARGET_RATIO,
                unit="",
                higher_is_better=False,
            ),
        ),
        findings=tuple(_findings(samples, ideal)),
    )
