"""provision_status.watch and wait against the emulator, over loopback HTTP."""

from __future__ import annotations

import asyncio

import anyio
import pytest

from pwasync import (
    Client,
    InvalidCursorError,
    NotFoundError,
    ProvisionEvent,
    ProvisionEventKind,
    ProvisioningFailed,
    ProvisionOutcome,
    ProvisionSnapshot,
    WaitTimeout,
)
from pwasync.testing import DEFAULT_STEPS, Emulator

from ._checks import check_events_match

pytestmark = pytest.mark.anyio

FAST = {"interval": 0.005, "max_interval": 0.02}


def _tasks_outside_server() -> set[asyncio.Task[object]]:
    """Return the running tasks, less the emulator server's per-connection handlers.

    A keep-alive connection has a handler task on the server side for as long
    as the client keeps it open, which is the pool working, not a leak.
    """
    return {
        task
        for task in asyncio.all_tasks()
        if getattr(task.get_coro(), "__qualname__", "") != "RequestHandler.start"
    }


async def _collect(pw: Client, org: str, infra_id: str, **options: object) -> list[ProvisionEvent]:
    settings: dict[str, object] = {**FAST, **options}
    async with pw.provision_status.watch(org, infra_id, **settings) as events:  # type: ignore[arg-type]
        return [event async for event in events]


async def test_six_step_run_streams_each_change_once(emulator: Emulator, pw: Client) -> None:
    """A six-step run gives one step_added per step, status changes, and finished last."""
    infra_id = emulator.start_provisioning(emulator.org, emulator.user, "six")

    events = await _collect(pw, emulator.org, infra_id)

    final = events[-1].snapshot
    assert final.outcome is ProvisionOutcome.SUCCEEDED
    added = [event.step.name for event in events if event.kind is ProvisionEventKind.STEP_ADDED]
    assert added == list(DEFAULT_STEPS)
    assert [event.kind for event in events].count(ProvisionEventKind.FINISHED) == 1
    check_events_match(events, final)
    assert len({event.cursor for event in events}) == len(events)


async def test_failing_run_finishes_failed(emulator: Emulator, pw: Client) -> None:
    """A run failing at a chosen step ends the watch with finished and a FAILED outcome."""
    infra_id = emulator.start_provisioning(
        emulator.org, emulator.user, "broken", fail_at="create_storage"
    )

    events = await _collect(pw, emulator.org, infra_id)

    assert events[-1].kind is ProvisionEventKind.FINISHED
    assert events[-1].outcome is ProvisionOutcome.FAILED
    failed = [step.name for step in events[-1].snapshot.failed_steps]
    assert failed == ["create_storage"]
    check_events_match(events, events[-1].snapshot)


async def test_wait_raises_provisioning_failed(emulator: Emulator, pw: Client) -> None:
    """wait raises ProvisioningFailed naming the failed step and its error text."""
    infra_id = emulator.start_provisioning(
        emulator.org, emulator.user, "broken", fail_at="create_storage"
    )

    with pytest.raises(ProvisioningFailed) as caught:
        await pw.provision_status.wait(emulator.org, infra_id, **FAST)  # type: ignore[arg-type]

    failure = caught.value
    assert [step.name for step in failure.failures] == ["create_storage"]
    assert "Create storage failed: simulated failure" in failure.failures[0].error
    assert "create_storage" in str(failure)
    assert "simulated failure" in str(failure)
    assert failure.snapshot.outcome is ProvisionOutcome.FAILED


async def test_wait_returns_final_snapshot(emulator: Emulator, pw: Client) -> None:
    """wait returns the snapshot of a succeeded run, every step provisioned."""
    infra_id = emulator.start_provisioning(emulator.org, emulator.user, "fine", steps=["a", "b"])
    polled: list[ProvisionSnapshot] = []

    final = await pw.provision_status.wait(
        emulator.org,
        infra_id,
        on_poll=polled.append,
        **FAST,  # type: ignore[arg-type]
    )

    assert final.outcome is ProvisionOutcome.SUCCEEDED
    assert [step.status.value for step in final.steps] == ["provisioned", "provisioned"]
    assert polled[-1] == final


async def test_wait_times_out(emulator: Emulator, pw: Client) -> None:
    """wait raises WaitTimeout with the last snapshot when the run outlasts the timeout."""
    infra_id = emulator.start_provisioning(emulator.org, emulator.user, "slow", step_seconds=5.0)

    with pytest.raises(WaitTimeout) as caught:
        await pw.provision_status.wait(emulator.org, infra_id, timeout=0.2, **FAST)  # type: ignore[arg-type]

    assert isinstance(caught.value.last, ProvisionSnapshot)
    assert caught.value.last.outcome is not ProvisionOutcome.SUCCEEDED


async def test_unknown_run_ends_with_not_found(emulator: Emulator, pw: Client) -> None:
    """Watching a run that does not exist ends with NotFoundError."""

    with pytest.raises(NotFoundError):
        await _collect(pw, emulator.org, "no-such-infra")


async def test_resumed_watch_joins_to_full_watch(emulator: Emulator, pw: Client) -> None:
    """A watch stopped halfway and resumed from its last cursor repeats and loses nothing."""
    infra_id = emulator.start_provisioning(emulator.org, emulator.user, "resume")
    first: list[ProvisionEvent] = []

    async with pw.provision_status.watch(emulator.org, infra_id, **FAST) as events:  # type: ignore[arg-type]
        async for event in events:
            first.append(event)
            if event.kind is ProvisionEventKind.STATUS_CHANGED and len(first) > 10:
                break
    rest = await _collect(pw, emulator.org, infra_id, cursor=first[-1].cursor)

    joined = first + rest
    assert rest, "the run finished before the first watch stopped"
    check_events_match(joined, joined[-1].snapshot)


async def test_cursor_of_another_run_is_rejected(emulator: Emulator, pw: Client) -> None:
    """A cursor from one run raises InvalidCursorError when used to watch another."""
    one = emulator.start_provisioning(emulator.org, emulator.user, "one", steps=["a"])
    other = emulator.start_provisioning(emulator.org, emulator.user, "other", steps=["a"])
    events = await _collect(pw, emulator.org, one)

    with pytest.raises(InvalidCursorError, match="belongs to provisioning run"):
        pw.provision_status.watch(emulator.org, other, cursor=events[0].cursor)


async def test_break_leaves_nothing_running(emulator: Emulator, pw: Client) -> None:
    """Breaking out of async for leaves no task or request behind, and the client still works."""
    infra_id = emulator.start_provisioning(emulator.org, emulator.user, "brk", step_seconds=5.0)
    tasks_before = _tasks_outside_server()

    async for event in pw.provision_status.watch(emulator.org, infra_id, **FAST):  # type: ignore[arg-type]
        if event.kind is ProvisionEventKind.STEP_ADDED:
            break
    requests_after_break = emulator.stats.requests
    await anyio.sleep(0.1)

    assert _tasks_outside_server() == tasks_before
    assert emulator.stats.requests == requests_after_break
    assert emulator.stats.in_flight == 0
    snapshot = await pw.provision_status.get(emulator.org, infra_id)
    assert snapshot.infra_id == infra_id


async def test_cancel_scope_stops_poll_in_flight(emulator: Emulator, pw: Client) -> None:
    """Cancelling from an enclosing scope while a poll is in flight stops it cleanly."""
    from pwasync.testing import Faults

    infra_id = emulator.start_provisioning(emulator.org, emulator.user, "cnl", step_seconds=5.0)
    emulator.faults = Faults(latency=0.3)
    tasks_before = _tasks_outside_server()
    received: list[ProvisionEvent] = []

    with anyio.move_on_after(0.1) as scope:
        async for event in pw.provision_status.watch(emulator.org, infra_id, **FAST):  # type: ignore[arg-type]
            received.append(event)
    requests_at_cancel = emulator.stats.requests
    await anyio.sleep(0.4)
    emulator.faults = Faults()

    assert scope.cancelled_caught
    assert received == []
    assert requests_at_cancel == 1
    assert emulator.stats.requests == 1
    assert emulator.stats.in_flight == 0
    assert _tasks_outside_server() == tasks_before
    snapshot = await pw.provision_status.get(emulator.org, infra_id)
    assert snapshot.infra_id == infra_id
