"""Call overhead: requests per second of ``images.list`` against a fixed-body server.

Every contender fetches the same 20-image body from one aiohttp.web server
running in a separate process, so the server's CPU stays off the client's
event loop. The contenders run one after another in the same client
process, in rotating order, for the same number of seconds per round, and
the ratios are taken round by round.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

import aiohttp
import anyio
import attrs

from benchmarks import _official, _pwasync
from benchmarks._fixed_server import CPU_PATH, IMAGES_PATH
from benchmarks._harness import child_server, median, rotated
from benchmarks._payloads import IMAGE_COUNT, image_records, images_body
from benchmarks._report import Check, Figure, Table

TITLE = "Call overhead: `images.list` requests per second"
CONCURRENCIES = (1, 64)
# pwasync's requests/s as a share of raw aiohttp's, at every concurrency.
RAW_TARGET = 0.85
# The client CPU share above which a contender counts as CPU-bound.
CPU_BOUND = 0.8
PWASYNC = "pwasync `images.list`"
RAW = "raw aiohttp + `json.loads`"
OFFICIAL = "official client `get_platform_images.asyncio`"
HTTPX = "raw httpx + `Response.json()`"
PWASYNC_REQUEST = "diagnostic: pwasync request path, no decoding"
RAW_BODY = "diagnostic: raw aiohttp, no `json.loads`"

Call = Callable[[], Awaitable[int]]
Opener = Callable[[str, str, int], AbstractAsyncContextManager[Call]]


@attrs.frozen(kw_only=True)
class Settings:
    """How long and how often each contender is measured."""

    rounds: int
    seconds: float
    warmup_seconds: float


FULL = Settings(rounds=15, seconds=0.5, warmup_seconds=0.5)
QUICK = Settings(rounds=2, seconds=0.3, warmup_seconds=0.1)


@attrs.frozen(kw_only=True)
class Sample:
    """One contender's measurement in one round."""

    rate: float
    client_cpu: float
    server_share: float


@asynccontextmanager
async def _raw_aiohttp(base_url: str, api_key: str, concurrency: int) -> AsyncIterator[Call]:
    headers = {"Authorization": _official.basic_authorization(api_key)}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base_url, headers=headers, connector=connector) as session:

        async def call() -> int:
            async with session.get(IMAGES_PATH) as response:
                response.raise_for_status()
                return len(json.loads(await response.read()))

        yield call


@asynccontextmanager
async def _raw_aiohttp_body(base_url: str, api_key: str, concurrency: int) -> AsyncIterator[Call]:
    headers = {"Authorization": _official.basic_authorization(api_key)}
    connector = aiohttp.TCPConnector(limit=concurrency)
    expected = len(images_body())
    async with aiohttp.ClientSession(base_url, headers=headers, connector=connector) as session:

        async def call() -> int:
            async with session.get(IMAGES_PATH) as response:
                response.raise_for_status()
                body = await response.read()
            if len(body) != expected:
                raise RuntimeError(f"expected a body of {expected} bytes, got {len(body)}")
            return IMAGE_COUNT

        yield call


def _openers() -> dict[str, Opener]:
    openers: dict[str, Opener] = {PWASYNC: _pwasync.images_caller, RAW: _raw_aiohttp}
    if _official.available():
        openers[OFFICIAL] = _official.images_caller
        openers[HTTPX] = _official.httpx_images_caller
    openers[PWASYNC_REQUEST] = _pwasync.images_request_caller
    openers[RAW_BODY] = _raw_aiohttp_body
    return openers


async def _server_cpu(probe: aiohttp.ClientSession) -> float:
    async with probe.get(CPU_PATH) as response:
        response.raise_for_status()
        cpu_seconds: float = (await response.json())["cpu_seconds"]
        return cpu_seconds


async def _measure(
    call: Call, concurrency: int, seconds: float, probe: aiohttp.ClientSession
) -> Sample:
    """Run ``concurrency`` loops of ``call`` for ``seconds`` and return the rates."""
    deadline = time.perf_counter() + seconds
    completed = 0

    async def loop() -> None:
        nonlocal completed
        while time.perf_counter() < deadline:
            await call()
            completed += 1

    server_before = await _server_cpu(probe)
    cpu_before = time.process_time()
    started = time.perf_counter()
    async with anyio.create_task_group() as group:
        for _ in range(concurrency):
            group.start_soon(loop)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    server = await _server_cpu(probe) - server_before

    return Sample(rate=completed / wall, client_cpu=cpu / completed, server_share=server / wall)


async def _measure_all(
    base_url: str, concurrency: int, settings: Settings
) -> dict[str, list[Sample]]:
    """Measure every contender at ``concurrency``, interleaved round by round."""
    openers = _openers()
    samples: dict[str, list[Sample]] = {name: [] for name in openers}
    async with AsyncExitStack() as stack:
        probe = await stack.enter_async_context(aiohttp.ClientSession(base_url))
        calls: dict[str, Call] = {}
        for name, opener in openers.items():
            calls[name] = await stack.enter_async_context(
                opener(base_url, _pwasync.API_KEY, concurrency)
            )
            count = await calls[name]()
            if count != IMAGE_COUNT:
                raise RuntimeError(f"{name} decoded {count} images, expected {IMAGE_COUNT}")
            await _measure(calls[name], concurrency, settings.warmup_seconds, probe)

        for round_number in range(settings.rounds):
            for name in rotated(list(calls), round_number):
                samples[name].append(
                    await _measure(calls[name], concurrency, settings.seconds, probe)
                )
    return samples


def _round_ratios(samples: dict[str, list[Sample]], numerator: str, denominator: str) -> float:
    pairs = zip(samples[numerator], samples[denominator], strict=True)
    return median([top.rate / bottom.rate for top, bottom in pairs])


@attrs.frozen(kw_only=True)
class DecodeCosts:
    """Seconds of CPU to convert the 20 image records into models, measured in process."""

    pwasync_same_body: float
    pwasync_new_timestamps: float
    official: float | None


# 250 variants of 40 distinct time strings: 10,000 in all, more than the
# 4,096 entries of pwasync's time cache (its size when this was written).
_IMAGE_VARIANTS = 250


def _cpu_per_call(convert: Callable[[list[dict[str, Any]]], object], bodies: list[Any]) -> float:
    started = time.process_time()
    for records in bodies:
        convert(records)
    return (time.process_time() - started) / len(bodies)


def _decode_costs() -> DecodeCosts:
    """Measure the model conversion of the images body apart from any HTTP."""
    same = [image_records()] * _IMAGE_VARIANTS
    varied = [image_records(variant=variant) for variant in range(_IMAGE_VARIANTS)]
    decoders: dict[str, Callable[[], float]] = {
        "same": lambda: _cpu_per_call(_pwasync.decode_images, same),
        "new": lambda: _cpu_per_call(_pwasync.decode_images, varied),
    }
    if _official.available():
        decoders["official"] = lambda: _cpu_per_call(_official.decode_images, varied)
    costs: dict[str, list[float]] = {name: [] for name in decoders}
    for round_number in range(5):
        for name in rotated(list(decoders), round_number):
            costs[name].append(decoders[name]())
    return DecodeCosts(
        pwasync_same_body=median(costs["same"]),
        pwasync_new_timestamps=median(costs["new"]),
        official=median(costs["official"]) if "official" in costs else None,
    )


def _cpu_finding(
    concurrency: int, cpu: dict[str, float], rates: dict[str, float], decode: DecodeCosts
) -> list[str]:
    """Split each contender's client CPU per request (in µs) into its parts."""
    extra = cpu[PWASYNC] - cpu[RAW]
    transport = cpu[PWASYNC_REQUEST] - cpu[RAW_BODY]
    decoding = cpu[PWASYNC] - cpu[PWASYNC_REQUEST]
    parsing = cpu[RAW] - cpu[RAW_BODY]
    findings = [
        f"Concurrency {concurrency}: pwasync spends {cpu[PWASYNC]:.0f} µs of client CPU per "
        f"request against {cpu[RAW]:.0f} µs for raw aiohttp ({extra:+.0f} µs). Its request "
        f"path without decoding costs {transport:+.0f} µs against raw aiohttp reading the "
        f"body, and decoding in place (JSON and {IMAGE_COUNT} models) costs {decoding:.0f} µs "
        f"against {parsing:.0f} µs for `json.loads` alone. In process, with warm caches, "
        f"the model conversion alone takes {decode.pwasync_same_body * 1e6:.0f} µs."
    ]
    budget = cpu[RAW] / RAW_TARGET
    busy = rates[PWASYNC] * cpu[PWASYNC] / 1e6
    if cpu[PWASYNC] > budget and busy >= CPU_BOUND:
        findings.append(
            f"Concurrency {concurrency}: pwasync kept the client process {busy:.0%} busy, so "
            "its requests/s follow its CPU per request. Reaching the ratio target needs at "
            f"most {budget:.0f} µs per request, {cpu[PWASYNC] - budget:.0f} µs less than now."
        )
    if OFFICIAL in cpu and HTTPX in cpu:
        findings.append(
            f"Concurrency {concurrency}: the official client spends {cpu[OFFICIAL]:.0f} µs of "
            f"client CPU per request, {cpu[OFFICIAL] / cpu[PWASYNC]:.1f} times pwasync's, and "
            f"plain httpx, its transport, {cpu[HTTPX]:.0f} µs fetching the same body. The ratio "
            "of requests/s is lower than the ratio of CPU when the client is not the only "
            "bottleneck: each request also waits for the server and the scheduler."
        )
    return findings


def _findings(results: dict[int, dict[str, list[Sample]]], decode: DecodeCosts) -> list[str]:
    findings = []
    for concurrency, samples in results.items():
        cpu = {name: median([s.client_cpu for s in runs]) * 1e6 for name, runs in samples.items()}
        rates = {name: median([s.rate for s in runs]) for name, runs in samples.items()}
        findings.extend(_cpu_finding(concurrency, cpu, rates, decode))
        busy = [
            name
            for name, runs in samples.items()
            if median([sample.server_share for sample in runs]) > 0.9
        ]
        if busy:
            findings.append(
                f"Concurrency {concurrency}: the server process was over 90% busy while serving "
                f"{', '.join(busy)}, so those rates are bounded by the server and understate "
                "the client-side difference; the CPU per request column does not depend on it."
            )
    findings.append(
        f"Model conversion of the {IMAGE_COUNT} records, measured in process: pwasync "
        f"{decode.pwasync_same_body * 1e6:.0f} µs for the same body again (its time cache is "
        f"warm, as with this fixed body) and {decode.pwasync_new_timestamps * 1e6:.0f} µs "
        "with new timestamps each time"
        + (
            f"; the official client's `Image.from_dict` {decode.official * 1e6:.0f} µs."
            if decode.official is not None
            else "."
        )
    )
    if decode.official is None:
        findings.append(f"The official client was not measured: {_official.INSTALL_HINT}.")
    return findings


def _figure(results: dict[int, dict[str, list[Sample]]], settings: Settings) -> Figure:
    rows = []
    for concurrency, samples in results.items():
        for name, runs in samples.items():
            rows.append(
                (
                    name,
                    str(concurrency),
                    f"{median([s.rate for s in runs]):,.0f}",
                    f"{median([s.client_cpu for s in runs]) * 1e6:.0f}",
                    f"{median([s.server_share for s in runs]):.0%}",
                )
            )
    ratio_rows = []
    checks = []
    targets = {RAW: {1: RAW_TARGET, 64: RAW_TARGET}, OFFICIAL: {1: 4.0, 64: 10.0}}
    for concurrency, samples in results.items():
        for other, thresholds in targets.items():
            if other not in samples:
                continue
            ratio = _round_ratios(samples, PWASYNC, other)
            ratio_rows.append((f"pwasync / {other}", str(concurrency), f"{ratio:.2f}x"))
            checks.append(
                Check(
                    name=f"requests/s, pwasync / {other}, concurrency {concurrency}",
                    measured=ratio,
                    threshold=thresholds[concurrency],
                    unit="x",
                    higher_is_better=True,
                )
            )
    setup = (
        f"`GET {IMAGES_PATH}` returning {IMAGE_COUNT} images ({len(images_body()):,} bytes of "
        "JSON) from a minimal aiohttp.web handler in a separate process on 127.0.0.1, so the "
        "server's CPU stays off the client's event loop (the default asyncio loop). Each "
        "contender runs as many concurrent loops of calls as the concurrency for "
        f"{settings.seconds} s per round, {settings.rounds} rounds in rotating order after a "
        f"{settings.warmup_seconds} s warm-up. Each contender's connection pool is sized to "
        "the concurrency (pwasync `max_concurrency`, aiohttp connector limit, httpx limits). "
        "Client CPU is this process's CPU time per completed request, and server CPU the "
        "server process's CPU time over the round's wall time. The diagnostic rows have no "
        "target and split pwasync's cost: its private `Transport.request` without a decoder, "
        "and raw aiohttp without `json.loads`."
    )
    return Figure(
        title=TITLE,
        setup=setup,
        tables=(
            Table(
                headers=(
                    "contender",
                    "concurrency",
                    "requests/s (median)",
                    "client CPU µs/request",
                    "server CPU busy",
                ),
                rows=tuple(rows),
            ),
            Table(
                headers=(
                    "ratio of requests/s (median of per-round ratios)",
                    "concurrency",
                    "ratio",
                ),
                rows=tuple(ratio_rows),
            ),
        ),
        checks=tuple(checks),
        findings=tuple(_findings(results, _decode_costs())),
    )


async def _run(base_url: str, settings: Settings) -> dict[int, dict[str, list[Sample]]]:
    return {
        concurrency: await _measure_all(base_url, concurrency, settings)
        for concurrency in CONCURRENCIES
    }


def run(*, quick: bool) -> Figure:
    """Measure the call-overhead figure; ``quick`` shortens every round for a smoke test."""
    settings = QUICK if quick else FULL
    with child_server("benchmarks._fixed_server") as server:
        base_url = f"http://127.0.0.1:{server.info['port']}"
        results = asyncio.run(_run(base_url, settings))
    return _figure(results, settings)
