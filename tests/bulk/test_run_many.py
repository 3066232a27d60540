"""run_many: bounded, lazy, ordered runs with one outcome per item."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator

import anyio
import pytest

from pwasync._bulk import BulkError, BulkReport, run_many

pytestmark = pytest.mark.anyio


class _Gauge:
    """Counts calls in flight and remembers the maximum."""

    def __init__(self) -> None:
        self.current = 0
        self.maximum = 0
        self.started: list[int] = []

    async def run(self, item: int, delay: float = 0.0) -> int:
        self.started.append(item)
        self.current += 1
        self.maximum = max(self.maximum, self.current)
        try:
            await anyio.sleep(delay)
        finally:
            self.current -= 1
        return item * 10


async def test_outcomes_follow_input_order() -> None:
    """Outcomes are listed in input order, whatever order the calls finish in."""

    async def slower_first(item: int) -> int:
        await anyio.sleep(0.002 * (20 - item))
        return item * 2

    report = await run_many(slower_first, range(20), concurrency=20)

    assert [outcome.item for outcome in report.outcomes] == list(range(20))
    assert [outcome.index for outcome in report.outcomes] == list(range(20))
    assert report.values == [item * 2 for item in range(20)]
    assert len(report.succeeded) == 20
    assert report.failed == []
    assert report.cancelled == []


async def test_concurrency_bounds_calls_in_flight() -> None:
    """No more than `concurrency` calls run at once, and the bound is reached."""
    gauge = _Gauge()

    report = await run_many(lambda item: gauge.run(item, 0.001), range(200), concurrency=7)

    assert gauge.maximum == 7
    assert len(report.succeeded) == 200


async def test_failures_are_recorded_per_item() -> None:
    """A failing call becomes that item's outcome and the others still run."""

    async def odd_fails(item: int) -> int:
        await anyio.lowlevel.checkpoint()
        if item % 2:
            raise KeyError(item)
        return item

    report = await run_many(odd_fails, range(10), concurrency=3)

    assert [outcome.item for outcome in report.failed] == [1, 3, 5, 7, 9]
    assert [outcome.item for outcome in report.succeeded] == [0, 2, 4, 6, 8]
    assert all(isinstance(outcome.error, KeyError) for outcome in report.failed)
    assert not any(outcome.ok for outcome in report.failed)


async def test_raise_for_failures_groups_the_failures() -> None:
    """raise_for_failures raises a BulkError of exactly the failures, and split keeps its type.

    ``except*`` matches through ``split``, so the split checks cover it.
    """

    async def fails_on_three(item: int) -> int:
        if item in (3, 6):
            raise LookupError(f"no item {item}")
        if item == 8:
            raise ValueError("bad item 8")
        return item

    report = await run_many(fails_on_three, range(10))

    with pytest.raises(BulkError) as caught:
        report.raise_for_failures()

    group = caught.value
    assert str(group).startswith("3 of 10 items failed")
    assert [outcome.item for outcome in group.outcomes] == [3, 6, 8]
    assert [str(error) for error in group.exceptions] == ["no item 3", "no item 6", "bad item 8"]
    assert getattr(group.exceptions[0], "__notes__", None) == ["while running item 3: 3"]
    lookups, rest = group.split(LookupError)
    assert isinstance(lookups, BulkError)
    assert [outcome.item for outcome in lookups.outcomes] == [3, 6]
    assert isinstance(rest, BulkError)
    assert [outcome.item for outcome in rest.outcomes] == [8]


async def test_raise_for_failures_returns_clean_report() -> None:
    """A report without failures returns itself from raise_for_failures."""

    async def identity(item: int) -> int:
        return item

    report = await run_many(identity, [1, 2, 3])

    assert report.raise_for_failures() is report
    assert repr(report) == "BulkReport(total=3, succeeded=3, failed=0, cancelled=0)"


async def test_fail_fast_cancels_the_rest() -> None:
    """With fail_fast the first failure cancels calls in flight and starts nothing more."""
    started: list[int] = []

    async def second_fails(item: int) -> int:
        started.append(item)
        if item == 1:
            await anyio.sleep(0.01)
            raise RuntimeError("item 1 failed")
        await anyio.sleep(10)
        return item

    with anyio.fail_after(5):
        report = await run_many(second_fails, list(range(50)), concurrency=4, fail_fast=True)

    assert started == [0, 1, 2, 3]
    assert [outcome.item for outcome in report.failed] == [1]
    assert [outcome.item for outcome in report.cancelled] == [0, *range(2, 50)]
    assert len(report.outcomes) == 50
    assert report.succeeded == []


async def test_fail_fast_leaves_iterator_unadvanced() -> None:
    """After a fail_fast stop, an iterator without a length is not drained."""
    source = iter(range(100))

    async def first_fails(item: int) -> int:
        if item == 0:
            await anyio.sleep(0.01)
            raise RuntimeError("item 0 failed")
        await anyio.sleep(10)
        return item

    report = await run_many(first_fails, source, concurrency=2, fail_fast=True)

    assert [outcome.item for outcome in report.outcomes] == [0, 1]
    assert next(source) == 2


async def test_items_are_pulled_lazily() -> None:
    """Workers pull items one at a time, never more than the calls in flight."""
    pulled = 0
    release = anyio.Event()
    all_busy = anyio.Event()
    in_flight = 0

    def numbers() -> Iterator[int]:
        nonlocal pulled
        for number in range(20_000):
            pulled += 1
            yield number

    async def wait_for_release(item: int) -> int:
        nonlocal in_flight
        in_flight += 1
        if in_flight == 8:
            all_busy.set()
        await release.wait()
        return item

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(functools.partial(run_many, wait_for_release, numbers(), concurrency=8))
        await all_busy.wait()
        pulled_while_blocked = pulled
        release.set()

    assert pulled_while_blocked == 8
    assert pulled == 20_000


async def test_async_iterable_is_accepted() -> None:
    """An async iterable is consumed like an iterable, outcomes in its order."""

    async def letters() -> AsyncIterator[str]:
        for letter in "abcdef":
            await anyio.lowlevel.checkpoint()
            yield letter

    async def upper(item: str) -> str:
        await anyio.sleep(0.001)
        return item.upper()

    report = await run_many(upper, letters(), concurrency=3)

    assert report.values == list("ABCDEF")


async def test_progress_reports_done_failed_total() -> None:
    """on_progress receives done, failed and the total after every item."""
    calls: list[tuple[int, int, int | None]] = []

    async def fails_on_two(item: int) -> int:
        if item == 2:
            raise ValueError("two")
        return item

    await run_many(
        fails_on_two, [1, 2, 3], concurrency=1, on_progress=lambda *args: calls.append(args)
    )
    await run_many(fails_on_two, iter([1]), on_progress=lambda *args: calls.append(args))

    assert calls == [(1, 0, 3), (2, 1, 3), (3, 1, 3), (1, 0, None)]


async def test_caller_cancellation_stops_every_call() -> None:
    """Cancelling the caller cancels all calls in flight before run_many returns."""
    gauge = _Gauge()
    cancelled_calls = 0

    async def slow(item: int) -> int:
        nonlocal cancelled_calls
        try:
            return await gauge.run(item, 10)
        except anyio.get_cancelled_exc_class():
            cancelled_calls += 1
            raise

    with anyio.move_on_after(0.05) as scope:
        await run_many(slow, range(100), concurrency=5)

    assert scope.cancelled_caught
    assert cancelled_calls == 5
    assert gauge.current == 0


async def test_empty_input_gives_empty_report() -> None:
    """An empty input returns an empty report without calling func."""

    async def never(item: int) -> int:
        raise AssertionError("func was called")

    report = await run_many(never, [])

    assert report == BulkReport(outcomes=())


async def test_iterator_error_propagates() -> None:
    """An exception raised by the input iterator ends the run and propagates as is."""

    def broken() -> Iterator[int]:
        yield 1
        raise OSError("source failed")

    async def identity(item: int) -> int:
        await anyio.sleep(0.01)
        return item

    with pytest.raises(OSError, match="source failed"):
        await run_many(identity, broken(), concurrency=2)


async def test_non_awaitable_result_is_rejected() -> None:
    """A func that returns a plain value raises TypeError naming the returned type."""

    with pytest.raises(TypeError, match="func returned int, not an awaitable"):
        await run_many(lambda item: item, [1, 2])  # type: ignore[arg-type, return-value]


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"concurrency": 0}, ValueError, "concurrency must be at least 1, got 0"),
        ({"concurrency": -3}, ValueError, "concurrency must be at least 1, got -3"),
        ({"concurrency": "4"}, TypeError, "concurrency must be an int, got str"),
        ({"concurrency": True}, TypeError, "concurrency must be an int, got bool"),
        ({"func": None}, TypeError, "func must be an async callable, got NoneType"),
        ({"items": 5}, TypeError, "items must be an iterable or an async iterable, got int"),
        ({"on_progress": 1}, TypeError, "on_progress must be callable or None, got int"),
    ],
)
async def test_invalid_arguments_are_rejected(
    arguments: dict[str, object], error: type[Exception], message: str
) -> None:
    """Invalid arguments raise at once with a message naming the value."""

    async def identity(item: int) -> int:
        return item

    call: dict[str, object] = {"func": identity, "items": [1], **arguments}
    func = call.pop("func")
    items = call.pop("items")

    with pytest.raises(error, match=message):
        await run_many(func, items, **call)  # type: ignore[arg-type]
