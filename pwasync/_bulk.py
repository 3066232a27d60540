"""Bounded concurrent runs over many items, with one outcome per item.

``run_many`` awaits ``func(item)`` for every item with at most ``concurrency``
calls in flight. A fixed set of workers pulls items from the input one at a
time, so an input of a million items never becomes a million coroutines. At
any moment the run keeps ``concurrency`` items plus the outcomes recorded so
far.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sys
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sequence,
    Sized,
)
from typing import Any, Generic, TypeVar

import anyio
import anyio.lowlevel
import attrs

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup

__all__ = [
    "DEFAULT_BULK_CONCURRENCY",
    "BulkError",
    "BulkReport",
    "Outcome",
    "ProgressCallback",
    "run_many",
]

logger = logging.getLogger("pwasync.bulk")

T = TypeVar("T")
R = TypeVar("R")

ProgressCallback = Callable[[int, int, int | None], None]
"""``on_progress(done, failed, total)``: items finished, how many of them failed,
and the number of items (``None`` when the input has no length)."""

DEFAULT_BULK_CONCURRENCY = 16
_ITEM_REPR_LIMIT = 200


@attrs.frozen(kw_only=True)
class Outcome(Generic[T, R]):
    """What running the function on one item produced.

    An outcome is in exactly one of three states: succeeded (``ok``, with the
    result in ``value``), failed (the exception in ``error``), or cancelled.
    An item is cancelled when the run stopped before it finished, after a
    failure with ``fail_fast=True``, or when ``func`` raised
    ``CancelledError`` while the run itself was not cancelled (for example
    because it awaited a task that other code cancelled).
    """

    index: int
    item: T
    value: R | None = None
    error: Exception | None = None
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        """Whether the call returned without raising and was not cancelled."""
        return self.error is None and not self.cancelled


@attrs.frozen(kw_only=True, repr=False)
class BulkReport(Generic[T, R]):
    """The outcomes of one ``run_many`` call, in input order."""

    outcomes: tuple[Outcome[T, R], ...]

    @property
    def succeeded(self) -> list[Outcome[T, R]]:
        """Outcomes whose call returned a value."""
        return [outcome for outcome in self.outcomes if outcome.ok]

    @property
    def failed(self) -> list[Outcome[T, R]]:
        """Outcomes whose call raised an exception."""
        return [outcome for outcome in self.outcomes if outcome.error is not None]

    @property
    def cancelled(self) -> list[Outcome[T, R]]:
        """Outcomes of items that were cancelled, or never started after a failure."""
        return [outcome for outcome in self.outcomes if outcome.cancelled]

    @property
    def values(self) -> list[R | None]:
        """Return values of the succeeded calls, in input order."""
        return [outcome.value for outcome in self.outcomes if outcome.ok]

    def raise_for_failures(self) -> BulkReport[T, R]:
        """Raise ``BulkError`` if any call failed; otherwise return this report.

        Cancelled items are not failures and raise nothing by themselves.
        """
        failed = self.failed
        if failed:
            raise BulkError._from_outcomes(failed, total=len(self.outcomes))
        return self

    def __repr__(self) -> str:
        return (
            f"BulkReport(total={len(self.outcomes)}, succeeded={len(self.succeeded)}, "
            f"failed={len(self.failed)}, cancelled={len(self.cancelled)})"
        )


class BulkError(ExceptionGroup[Exception]):
    """The failures of a bulk run, as an exception group.

    Each exception carries a note naming the item it failed on (shown in
    tracebacks), and ``outcomes`` contains the failed outcomes, items included.
    It is caught with ``except* SomeError`` per failure type, or whole with
    ``except BulkError``.

    It is deliberately not a ``PWAsyncError``: ``except* PWAsyncError`` would
    then match the whole group, including failures of unrelated types that
    ``func`` raised.
    """

    outcomes: tuple[Outcome[Any, Any], ...]

    @classmethod
    def _from_outcomes(cls, failed: Sequence[Outcome[Any, Any]], *, total: int) -> BulkError:
        errors = [outcome.error for outcome in failed if outcome.error is not None]
        group = cls(f"{len(errors)} of {total} items failed", errors)
        group.outcomes = tuple(failed)
        return group

    def derive(self, excs: Sequence[Exception]) -> BulkError:  # type: ignore[override]
        """Build the subgroup that ``split``, ``subgroup`` and ``except*`` hand out."""
        kept = {id(error) for error in excs}
        group = BulkError(self.message, excs)
        group.outcomes = tuple(outcome for outcome in self.outcomes if id(outcome.error) in kept)
        return group


async def run_many(
    func: Callable[[T], Awaitable[R]],
    items: Iterable[T] | AsyncIterable[T],
    *,
    concurrency: int = DEFAULT_BULK_CONCURRENCY,
    fail_fast: bool = False,
    on_progress: ProgressCallback | None = None,
) -> BulkReport[T, R]:
    """Await ``func(item)`` for every item, at most ``concurrency`` at a time.

    ``items`` may be any iterable or async iterable. It is consumed lazily, one
    item whenever a worker is free, and never copied. An exception that
    ``func`` raises is recorded in that item's outcome and the run goes on,
    unless ``fail_fast`` is true: then the first failure cancels the calls in
    flight (their outcomes are marked cancelled) and no further item starts.
    Items never started are recorded as cancelled when ``items`` has a length
    (a list, a tuple, a range). An iterator without one is not advanced past
    the point where the run stopped. A ``CancelledError`` that ``func`` raises
    while neither the caller nor the run is being cancelled marks that item
    cancelled, and the run goes on.

    ``on_progress(done, failed, total)`` is called after every finished item.
    Cancelling the caller cancels every call in flight before this returns.

    Raises ``TypeError`` or ``ValueError`` for invalid arguments, and
    re-raises at once an exception raised by the iterator itself, by
    ``on_progress``, or a ``TypeError`` when ``func`` returns something that
    cannot be awaited.
    """
    _check_arguments(func, items, concurrency, on_progress)
    run: _Run[T, R] = _Run(func, items, fail_fast=fail_fast, on_progress=on_progress)

    async with anyio.create_task_group() as tasks:
        for _ in range(run.worker_count(concurrency)):
            tasks.start_soon(run.work, tasks.cancel_scope)

    return run.report()


def _check_arguments(func: object, items: object, concurrency: object, on_progress: object) -> None:
    if not callable(func):
        raise TypeError(f"func must be an async callable, got {type(func).__name__}")
    if not isinstance(items, (Iterable, AsyncIterable)):
        raise TypeError(
            f"items must be an iterable or an async iterable, got {type(items).__name__}"
        )
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        raise TypeError(f"concurrency must be an int, got {type(concurrency).__name__}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    if on_progress is not None and not callable(on_progress):
        raise TypeError(f"on_progress must be callable or None, got {type(on_progress).__name__}")


class _Run(Generic[T, R]):
    """The shared state of one ``run_many`` call: its source, slots and counters."""

    def __init__(
        self,
        func: Callable[[T], Awaitable[R]],
        items: Iterable[T] | AsyncIterable[T],
        *,
        fail_fast: bool,
        on_progress: ProgressCallback | None,
    ) -> None:
        self._func = func
        self._fail_fast = fail_fast
        self._on_progress = on_progress
        self._total: int | None = None
        self._sync_items: Iterator[T] | None = None
        self._async_items: AsyncIterator[T] | None = None
        if isinstance(items, AsyncIterable):
            self._async_items = items.__aiter__()
        else:
            self._total = len(items) if isinstance(items, Sized) else None
            self._sync_items = iter(items)
        self._pull_lock = anyio.Lock()
        self._in_flight: dict[int, T] = {}
        self._slots: list[Outcome[T, R] | None] = []
        self._done = 0
        self._failed = 0
        self._stopped = False
        self._fatal: BaseException | None = None

    def worker_count(self, concurrency: int) -> int:
        if self._total is None:
            return concurrency
        return max(1, min(concurrency, self._total))

    async def work(self, scope: anyio.CancelScope) -> None:
        """Pull and run items until the input ends or the run stops."""
        while not self._stopped:
            await anyio.lowlevel.checkpoint_if_cancelled()
            try:
                pulled = await self._pull()
            except Exception as error:
                self._stop_fatally(error, scope)
                return
            if pulled is None:
                return
            index, item = pulled
            try:
                await self._run_one(index, item, scope)
            except Exception as error:
                self._stop_fatally(error, scope)
                return

    async def _pull(self) -> tuple[int, T] | None:
        if self._sync_items is not None:
            try:
                item = next(self._sync_items)
            except StopIteration:
                return None
            return self._reserve(item)

        assert self._async_items is not None
        # An async generator rejects a second __anext__ while one is pending.
        async with self._pull_lock:
            if self._stopped:
                return None
            try:
                item = await self._async_items.__anext__()
            except StopAsyncIteration:
                return None
            return self._reserve(item)

    def _reserve(self, item: T) -> tuple[int, T]:
        index = len(self._slots)
        self._slots.append(None)
        self._in_flight[index] = item
        return index, item

    async def _run_one(self, index: int, item: T, scope: anyio.CancelScope) -> None:
        awaitable = self._func(item)
        if not isinstance(awaitable, Awaitable):
            raise TypeError(
                f"func returned {type(awaitable).__name__}, not an awaitable; "
                "pass an async function"
            )

        try:
            value = await awaitable
        except anyio.get_cancelled_exc_class():
            if _cancelling_current_task():
                raise
            # func raised CancelledError for its own reasons. Letting it
            # escape would cancel the whole task group without a record.
            logger.info("run_many: func raised CancelledError on item %d; marked cancelled", index)
            self._slots[index] = Outcome(index=index, item=item, cancelled=True)
        except Exception as error:
            _add_note(error, f"while running item {index}: {_short_repr(item)}")
            self._slots[index] = Outcome(index=index, item=item, error=error)
            self._failed += 1
            if self._fail_fast:
                self._stopped = True
                scope.cancel()
        else:
            self._slots[index] = Outcome(index=index, item=item, value=value)
        del self._in_flight[index]

        self._done += 1
        if self._on_progress is not None:
            self._on_progress(self._done, self._failed, self._total)

    def _stop_fatally(self, error: BaseException, scope: anyio.CancelScope) -> None:
        if self._fatal is None:
            self._fatal = error
        self._stopped = True
        scope.cancel()

    def report(self) -> BulkReport[T, R]:
        if self._fatal is not None:
            raise self._fatal
        if self._stopped and self._sync_items is not None and self._total is not None:
            # The input is already in memory, so list the items never started.
            for item in self._sync_items:
                self._reserve(item)

        for index, item in self._in_flight.items():
            self._slots[index] = Outcome(index=index, item=item, cancelled=True)
        self._in_flight.clear()
        outcomes = tuple(slot for slot in self._slots if slot is not None)
        return BulkReport(outcomes=outcomes)


def _cancelling_current_task() -> bool:
    """Return whether a cancel scope or ``Task.cancel()`` is cancelling this task."""
    deadline = anyio.current_effective_deadline()
    if deadline == -math.inf or deadline <= anyio.current_time():
        return True
    # NOTE: Task.cancelling() exists from Python 3.11. On 3.10 a Task.cancel()
    # aimed at a worker task directly, not through its task group, cannot be
    # distinguished from a CancelledError that func raised.
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    return cancelling is not None and cancelling() > 0


def _add_note(error: BaseException, note: str) -> None:
    # BaseException.add_note exists from Python 3.11; the exceptiongroup
    # backport renders the same __notes__ list on 3.10.
    notes = getattr(error, "__notes__", None)
    if not isinstance(notes, list):
        notes = []
        setattr(error, "__notes__", notes)  # noqa: B010 - not declared on 3.10
    notes.append(note)


def _short_repr(item: object) -> str:
    text = repr(item)
    if len(text) > _ITEM_REPR_LIMIT:
        text = text[: _ITEM_REPR_LIMIT - 3] + "..."
    return text
