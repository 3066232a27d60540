"""Resuming from a cursor, checked event for event on a run the test drives itself.

The test plays the provisioning agent through ``clusters.update_provision_status``
and lets every watcher poll between two batches of updates, so that all
watchers see the same states and their event lists can be compared exactly,
snapshots and cursors included.
"""

from __future__ import annotations

import json

import pytest

from pwasync import Client, ProvisionEvent, ProvisionEventKind, WatchStream
from pwasync.testing import Emulator

pytestmark = pytest.mark.anyio

FAST = {"interval": 0.002, "max_interval": 0.004}

# Batches of (step id, status, logs, error) updates, each with the number of
# events it causes: a status change with new logs gives two.
SCRIPT: list[tuple[list[tuple[str, str, str, str]], int]] = [
    ([("a", "pending", "", ""), ("b", "pending", "", ""), ("c", "pending", "", "")], 3),
    ([("a", "provisioning", "a started\n", "")], 2),
    ([("a", "provisioning", "a working\n", "")], 1),
    ([("a", "provisioned", "a done\n", "")], 2),
    ([("b", "provisioning", "b started\n", "")], 2),
    ([("b", "provisioning", "b working é\n", "")], 1),
    ([("b", "failed", "b giving up\n", "disk full")], 3),
]
# The interrupted watcher stops after the first event of this batch (its logs),
# before the status change that the same poll produced.
STOP_IN_BATCH = 3


async def _take(stream: WatchStream[ProvisionEvent], count: int) -> list[ProvisionEvent]:
    return [await stream.__anext__() for _ in range(count)]


async def test_resumed_watch_equals_uninterrupted(emulator: Emulator, pw: Client) -> None:
    """An interrupted watch plus its resumption from the last cursor equals one whole watch."""
    org, namespace = emulator.org, emulator.user
    infra_id = emulator.add_cluster_session(org, namespace, "driven")
    whole_stream = pw.provision_status.watch(org, infra_id, **FAST)  # type: ignore[arg-type]
    part_stream = pw.provision_status.watch(org, infra_id, **FAST)  # type: ignore[arg-type]
    whole: list[ProvisionEvent] = []
    first: list[ProvisionEvent] = []
    rest: list[ProvisionEvent] = []

    for number, (updates, expected) in enumerate(SCRIPT):
        for step_id, status, logs, error in updates:
            await pw.clusters.update_provision_status(
                org, namespace, "driven", 1, step_id=step_id, status=status,
                logs=logs or None, error=error or None,
            )  # fmt: skip
        whole += await _take(whole_stream, expected)
        if number < STOP_IN_BATCH:
            first += await _take(part_stream, expected)
        elif number == STOP_IN_BATCH:
            first += await _take(part_stream, 1)
            await part_stream.aclose()
            part_stream = pw.provision_status.watch(
                org,
                infra_id,
                cursor=first[-1].cursor,
                **FAST,  # type: ignore[arg-type]
            )
            rest += await _take(part_stream, expected - 1)
        else:
            rest += await _take(part_stream, expected)
    leftovers = [event async for event in whole_stream] + [event async for event in part_stream]

    assert first + rest == whole
    assert leftovers == []
    assert [event.kind for event in whole[-3:]] == [
        ProvisionEventKind.LOGS_APPENDED,
        ProvisionEventKind.STATUS_CHANGED,
        ProvisionEventKind.FINISHED,
    ]
    failed = whole[-1].snapshot.failed_steps
    assert [(step.id, step.error) for step in failed] == [("b", "disk full")]
    assert "".join(event.new_logs for event in whole if event.step and event.step.id == "b") == (
        "b started\nb working é\nb giving up\n"
    )


async def test_cursor_stays_small(emulator: Emulator, pw: Client) -> None:
    """A cursor stays small however long the logs grow: it stores lengths, not text."""
    org, namespace = emulator.org, emulator.user
    infra_id = emulator.add_cluster_session(org, namespace, "chatty")
    long_text = "x" * 200_000
    await pw.clusters.update_provision_status(
        org, namespace, "chatty", 1, step_id="only", status="provisioning", logs=long_text
    )

    stream = pw.provision_status.watch(org, infra_id, **FAST)  # type: ignore[arg-type]
    events = await _take(stream, 2)
    await stream.aclose()

    cursor = events[-1].cursor
    assert events[-1].new_logs == long_text
    assert len(cursor) < 200
    assert json.loads(cursor)["steps"][0][2] == len(long_text)
