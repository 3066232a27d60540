"""Figure 4: ``run_many`` over 2,000 operations with 20 ms of emulated latency.

The emulator runs in a separate process and delays every response by 20 ms
(``Faults(latency=0.02)``). ``pw.run_many`` calls ``pw.auth.whoami()`` for
2,000 items with ``concurrency=50``, so the ideal wall time is 2,000 / 50 x
20 ms = 0.8 s. Raw aiohttp with an ``asyncio.Semaphore(50)`` runs the same
requests side by side, in alternating order, as the floor this machine sets.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp
import attrs

from benchmarks._harness import child_server, median, rotated
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

Runner = Callable[[int], Awaitable[None]]


async def _measure(url: str, api_key: str, settings: Settings) -> dict[str, list[float]]:
    headers = {"Authorization": basic_authorization(api_key)}
    async with (
        Client(api_key=api_key, base_url=url, max_concurrency=CONCURRENCY) as client,
        aiohttp.ClientSession(url, headers=headers) as session,
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

        walls: dict[str, list[float]] = {name: [] for name in runners}
        for round_number in range(settings.rounds):
            for name in rotated(list(runners), round_number):
                started = time.perf_counter()
                await runners[name](settings.items)
                walls[name].append(time.perf_counter() - started)
    return walls


def run(*, quick: bool) -> Figure:
    """Measure figure 4; ``quick`` runs 200 items."""
    settings = QUICK if quick else FULL
    ideal = settings.items / CONCURRENCY * LATENCY
    with child_server("benchmarks._emulator_server", f"--latency={LATENCY}") as server:
        walls = asyncio.run(_measure(server.info["url"], server.info["api_key"], settings))

    rows = tuple(
        (name, f"{median(values):.3f}", f"{median(values) / ideal:.2f}")
        for name, values in walls.items()
    )
    pairs = zip(walls[PWASYNC], walls[RAW], strict=True)
    relative = median([ours / theirs for ours, theirs in pairs])
    return Figure(
        title=TITLE,
        setup=(
            f"{settings.items:,} `auth.whoami` calls, concurrency {CONCURRENCY}, "
            f"{LATENCY * 1000:.0f} ms added by the emulator to every response; ideal wall "
            f"time {ideal:.2f} s. {settings.rounds} rounds in alternating order after a "
            "warm-up; the emulator runs in a separate process."
        ),
        tables=(
            Table(
                headers=("contender", "wall s (median)", "wall / ideal"),
                rows=(
                    *rows,
                    ("pwasync / raw aiohttp (median of per-round ratios)", "", f"{relative:.2f}"),
                ),
            ),
        ),
        checks=(
            Check(
                name="pwasync wall time / ideal",
                measured=median(walls[PWASYNC]) / ideal,
                threshold=TARGET_RATIO,
                unit="",
                higher_is_better=False,
            ),
        ),
    )
