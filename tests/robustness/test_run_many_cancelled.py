"""run_many when func raises CancelledError itself: every item still gets an outcome."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import anyio
import pytest

from pwasync._bulk import run_many

pytestmark = pytest.mark.anyio


async def _await_cancelled_future() -> None:
    future = asyncio.get_running_loop().create_future()
    future.cancel()
    await future


async def test_stray_cancel_recorded_for_item() -> None:
    """A CancelledError from func, not from the caller, cancels that item alone."""

    async def func(item: int) -> int:
        await anyio.sleep(0.01)
        if item == 1:
            await _await_cancelled_future()
        return item * 10

    report = await run_many(func, range(5), concurrency=3)

    assert [outcome.index for outcome in report.outcomes] == [0, 1, 2, 3, 4]
    assert [outcome.item for outcome in report.cancelled] == [1]
    assert report.values == [0, 20, 30, 40]
    assert report.failed == []


async def test_stray_cancel_with_async_input() -> None:
    """An async input goes on past an item whose func raised CancelledError."""

    async def items() -> AsyncIterator[int]:
        for item in range(4):
            yield item

    async def func(item: int) -> int:
        if item == 0:
            await _await_cancelled_future()
        return item

    report = await run_many(func, items(), concurrency=1)

    assert [outcome.item for outcome in report.cancelled] == [0]
    assert report.values == [1, 2, 3]


async def test_caller_cancel_not_swallowed() -> None:
    """Cancelling the caller while func raises CancelledError itself still cancels the caller."""
    calls = 0

    async def func(item: int) -> int:
        nonlocal calls
        calls += 1
        scope.cancel()
        await _await_cancelled_future()
        return item

    with anyio.CancelScope() as scope:
        await run_many(func, range(10), concurrency=2)
        pytest.fail("run_many returned although its caller was cancelled")

    assert scope.cancelled_caught
    assert calls <= 2


async def test_native_task_cancel_not_swallowed() -> None:
    """asyncio's Task.cancel on the caller ends run_many with CancelledError."""
    started = anyio.Event()

    async def func(item: int) -> int:
        started.set()
        await anyio.sleep(10)
        return item

    task = asyncio.ensure_future(run_many(func, range(10), concurrency=2))
    await started.wait()
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
