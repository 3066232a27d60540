"""The chaos suite: 200 watches and a 1,000-item bulk run against a faulty emulator.

Two emulators serve the two workloads at once, each with 20% server errors,
5% connection resets, 10% rate limits and 2% stalls. The watch emulator
writes ``Retry-After`` in seconds, the bulk emulator as an HTTP date, so both
forms are read under load. Afterwards neither client has a task or a
connection left over. The figures behind the checks are printed (run pytest
with ``-s`` to see them).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence

import anyio
import attrs
import pytest

from pwasync import (
    Client,
    ConflictError,
    ConnectError,
    Image,
    ProvisionEvent,
    ProvisionOutcome,
    RateLimitError,
    RequestTimeout,
    RetryPolicy,
    ServerError,
    WatchFailure,
)
from pwasync.models import ProvisionSnapshot
from pwasync.models.events import ProvisionEventKind
from pwasync.testing import Emulator, Faults, Stats

from ._support import ThreadedEmulator, capture_logs, check_slots_free, leftover_tasks

pytestmark = pytest.mark.anyio

RUNS = 200
WATCHED_ONE_BY_ONE = 100
FAILING_EVERY = 10
STEPS = ("plan", "network", "storage", "compute")
FAIL_AT = "storage"
STEP_SECONDS = 0.4
BULK_ITEMS = 1000
CONCURRENCY = 100

# A stall outlasts the attempt timeout, so it ends as a RequestTimeout. The
# timeout leaves room for the latency of 100 requests in flight at once.
ATTEMPT_TIMEOUT = 1.0
STALL_SECONDS = 1.5

# Why 8 attempts: a GET attempt fails with p ~ 0.37 (errors, resets, 429s,
# stalls), so a poll fails all 8 with p ~ 3.5e-4. The watcher then polls
# again, up to 8 times, so no watch should give up. A POST is retried only on
# 429 or 503 with Retry-After (p ~ 0.15 per attempt), so the chance that one
# of the 1,000 items runs out of attempts is about 2.6e-7.
POLICY = RetryPolicy(attempts=8, base_delay=0.01, max_delay=0.1, deadline=None)

WatchItems = list[ProvisionEvent | WatchFailure]


def _faults(retry_after_form: str, seed: int) -> Faults:
    return Faults(
        error_rate=0.20,
        reset_rate=0.05,
        rate_limit_rate=0.10,
        retry_after=1,
        retry_after_form=retry_after_form,  # type: ignore[arg-type]
        stall_rate=0.02,
        stall_seconds=STALL_SECONDS,
        seed=seed,
    )


def _client(emulator: ThreadedEmulator, policy: RetryPolicy = POLICY) -> Client:
    return Client(
        api_key=emulator.api_key,
        base_url=emulator.url,
        retry=policy,
        timeout=ATTEMPT_TIMEOUT,
        max_concurrency=CONCURRENCY,
    )


def _check_run(events: Sequence[ProvisionEvent], truth: ProvisionSnapshot) -> None:
    """Assert that ``events`` rebuild the run's true final state, each change exactly once."""
    logs: dict[str, str] = {}
    statuses: dict[str, str] = {}
    for event in events[:-1]:
        assert event.step is not None
        step_id = event.step.id
        if event.kind is ProvisionEventKind.STEP_ADDED:
            assert step_id not in logs, f"step {step_id} added twice"
            logs[step_id] = ""
            statuses[step_id] = event.step.status.value
        elif event.kind is ProvisionEventKind.LOGS_APPENDED:
            assert event.new_logs, "logs_appended without new text"
            logs[step_id] += event.new_logs
        else:
            assert event.kind is ProvisionEventKind.STATUS_CHANGED
            assert event.previous is not None
            assert event.previous.status.value == statuses[step_id], "a status change was lost"
            assert event.step.status.value != statuses[step_id], "a status was repeated"
            statuses[step_id] = event.step.status.value

    assert events[-1].kind is ProvisionEventKind.FINISHED
    assert events[-1].snapshot.steps == truth.steps
    assert logs == {step.id: step.logs for step in truth.steps}
    assert statuses == {step.id: step.status.value for step in truth.steps}


def _start_runs(emulator: Emulator) -> dict[str, str]:
    """Start the runs, every tenth failing at FAIL_AT, and return their infra ids by cluster."""
    return {
        f"c{number:03d}": emulator.start_provisioning(
            emulator.org,
            emulator.user,
            f"c{number:03d}",
            steps=STEPS,
            fail_at=FAIL_AT if number % FAILING_EVERY == 0 else None,
        )
        for number in range(RUNS)
    }


async def _watch_all(pw: Client, org: str, ids: list[str]) -> dict[str, WatchItems]:
    """Watch half the runs one by one and half through one watch_many; return items by run."""
    results: dict[str, WatchItems] = {infra_id: [] for infra_id in ids}

    async def watch_one(infra_id: str) -> None:
        stream = pw.provision_status.watch(
            org, infra_id, interval=0.05, max_interval=0.2, timeout=60
        )
        try:
            async with stream as events:
                async for event in events:
                    results[infra_id].append(event)
        except Exception as error:
            results[infra_id].append(WatchFailure(infra_id=infra_id, error=error))

    async def watch_rest() -> None:
        many = pw.provision_status.watch_many(
            org,
            ids[WATCHED_ONE_BY_ONE:],
            concurrency=CONCURRENCY,
            interval=0.05,
            max_interval=0.2,
            timeout=60,
        )
        async with many as items:
            async for item in items:
                results[item.infra_id].append(item)

    async with anyio.create_task_group() as tasks:
        for infra_id in ids[:WATCHED_ONE_BY_ONE]:
            tasks.start_soon(watch_one, infra_id)
        tasks.start_soon(watch_rest)
    return results


async def _create_images(pw: Client, names: list[str]) -> list[object]:
    report = await pw.run_many(
        lambda name: pw.images.create(name=name, csp="aws"), names, concurrency=CONCURRENCY
    )
    return [outcome.value if outcome.ok else outcome.error for outcome in report.outcomes]


def _attempts_by_call(records: list[logging.LogRecord], method: str) -> dict[str, list[object]]:
    """Return the outcome of each attempt (status or error name) by request id, in order.

    The transport logs one DEBUG record per attempt, with the arguments method,
    path template, status or error name, milliseconds, attempt and request id.
    """
    calls: dict[str, list[object]] = {}
    for record in records:
        if " -> " not in str(record.msg) or not isinstance(record.args, tuple):
            continue
        verb, _, outcome, _, attempt, request_id = record.args
        if verb != method:
            continue
        tries = calls.setdefault(str(request_id), [])
        assert attempt == len(tries) + 1, f"attempts of {request_id} out of order"
        tries.append(outcome)
    return calls


def _print_figures(title: str, stats: Stats, extra: dict[str, int]) -> None:
    faults = ", ".join(f"{kind} {count}" for kind, count in sorted(stats.faults.items()))
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(stats.by_status.items()))
    print(f"\n{title}: {stats.requests} requests; faults: {faults}")
    print(f"  responses by status: {statuses}")
    print("  " + ", ".join(f"{name} {count}" for name, count in extra.items()))


async def test_chaos_watches_and_bulk_stay_exact() -> None:
    """Under 20% 5xx, 5% resets, 10% 429s and stalls, every watch and bulk outcome is exact."""
    # Under a shared cooldown each random 429 would pause all 100 requests in
    # flight and serialize the bulk run, so only the watch client keeps it on.
    bulk_policy = attrs.evolve(POLICY, shared_cooldown=False)
    names = [f"chaos-{number:04d}" for number in range(BULK_ITEMS)]
    seconds: dict[str, float] = {}
    async with (
        ThreadedEmulator(step_seconds=STEP_SECONDS, seed=21) as watched,
        ThreadedEmulator(seed=22) as bulk,
        _client(watched) as watch_pw,
        _client(bulk, bulk_policy) as bulk_pw,
    ):
        runs = await watched.call(_start_runs)
        await watched.set_faults(_faults("seconds", seed=5))
        await bulk.set_faults(_faults("http-date", seed=6))
        before = set(asyncio.all_tasks())
        watch_results: dict[str, WatchItems] = {}
        bulk_results: list[object] = []

        async def run_watches() -> None:
            started = anyio.current_time()
            watch_results.update(await _watch_all(watch_pw, watched.org, list(runs.values())))
            seconds["watches"] = anyio.current_time() - started

        async def run_bulk() -> None:
            started = anyio.current_time()
            bulk_results.extend(await _create_images(bulk_pw, names))
            seconds["bulk"] = anyio.current_time() - started

        with capture_logs("pwasync.http") as logs, anyio.fail_after(80):
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(run_watches)
                tasks.start_soon(run_bulk)

        watch_stats = await watched.settle()
        bulk_stats = await bulk.settle()
        leftover = leftover_tasks(before)
        await watched.set_faults(None)
        await bulk.set_faults(None)
        truths = {
            infra_id: await watch_pw.provision_status.get(watched.org, infra_id)
            for infra_id in runs.values()
        }
        listed = [image.name for image in await bulk_pw.images.list()]
        await check_slots_free(watch_pw, watched)
        await check_slots_free(bulk_pw, bulk)

    assert leftover == []
    events_checked = _check_watches(runs, watch_results, truths)
    kinds = _check_bulk(names, bulk_results, listed)
    posts = _check_posts(_attempts_by_call(logs.records, "POST"), bulk_stats)
    # One 201 per image that exists: no name was created twice.
    assert bulk_stats.by_status.get(201, 0) == sum(name.startswith("chaos-") for name in listed)
    for stats in (watch_stats, bulk_stats):
        for kind in ("error", "reset", "rate_limit", "stall"):
            assert stats.faults.get(kind, 0) > 0, f"no {kind} fault struck"

    _print_figures(
        f"{RUNS} watches, Retry-After in seconds, {seconds['watches']:.1f} s",
        watch_stats,
        {"events checked": events_checked, "runs failed on purpose": RUNS // FAILING_EVERY},
    )
    _print_figures(
        f"{BULK_ITEMS} images.create, Retry-After as an HTTP date, {seconds['bulk']:.1f} s",
        bulk_stats,
        {**posts, **kinds},
    )


def _check_watches(
    runs: dict[str, str],
    results: dict[str, WatchItems],
    truths: dict[str, ProvisionSnapshot],
) -> int:
    """Check each run's outcome and events against its true final state; count the events."""
    events_checked = 0
    for cluster, infra_id in runs.items():
        items = results[infra_id]
        assert all(isinstance(item, ProvisionEvent) for item in items), (cluster, items[-1:])
        events = [item for item in items if isinstance(item, ProvisionEvent)]
        failing = int(cluster[1:]) % FAILING_EVERY == 0
        expected = ProvisionOutcome.FAILED if failing else ProvisionOutcome.SUCCEEDED
        assert truths[infra_id].outcome is expected, cluster
        assert events[-1].snapshot.outcome is expected, cluster
        _check_run(events, truths[infra_id])
        events_checked += len(events)
    return events_checked


def _check_bulk(names: list[str], results: list[object], listed: list[str]) -> Counter[str]:
    """Check that each outcome is one the faults explain and no image exists twice."""
    kinds: Counter[str] = Counter()
    created = Counter(name for name in listed if name.startswith("chaos-"))
    for name, result in zip(names, results, strict=True):
        if isinstance(result, Image):
            kinds["created"] += 1
            assert result.name == name
            assert created[name] == 1, name
        elif isinstance(result, RequestTimeout):
            # A POST that timed out may still have acted on the server.
            kinds["timed out"] += 1
            assert created[name] <= 1, name
        elif isinstance(result, ServerError) and result.status in (500, 502):
            kinds[f"failed with {result.status}"] += 1
            assert created[name] == 0, name
        elif isinstance(result, ConnectError):
            kinds["connection reset"] += 1
            assert created[name] == 0, name
        else:
            assert not isinstance(result, ConflictError), f"{name} was sent again after acting"
            assert isinstance(result, (RateLimitError, ServerError)), (name, result)
            kinds["out of attempts"] += 1
            assert created[name] == 0, name
    assert set(created) <= set(names)
    assert not created or max(created.values()) == 1
    assert kinds["created"] > 0
    return kinds


def _check_posts(calls: dict[str, list[object]], stats: Stats) -> dict[str, int]:
    """Check that a POST was repeated only after a response saying the server did not act."""
    attempts = sum(len(tries) for tries in calls.values())
    unanswered = sum(1 for tries in calls.values() for outcome in tries if isinstance(outcome, str))
    assert len(calls) == BULK_ITEMS
    for request_id, tries in calls.items():
        for outcome in tries[:-1]:
            assert outcome in (429, 503), f"{request_id} retried after {outcome}: {tries}"

    # The server saw every attempt, except those that failed before reaching it.
    posts = stats.by_operation["images.create"]
    assert attempts - unanswered <= posts <= attempts
    assert stats.by_status.get(409, 0) == 0
    return {"POST calls": len(calls), "POST attempts": attempts, "POSTs received": posts}
