"""``watch_many``: many provisioning watches fanned into one stream of events.

The task group that runs the watches lives in the async context manager and
never crosses a ``yield``: leaving the ``async with`` block cancels every
watch still running and returns only when all of them have stopped.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import TracebackType

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from pwasync._retry import RetryPolicy
from pwasync._watch import WatchStream
from pwasync._watchers import DEFAULT_INTERVAL, DEFAULT_MAX_INTERVAL, watch_provisioning
from pwasync.models.events import ProvisionEvent, WatchFailure
from pwasync.models.provisioning import ProvisionSnapshot

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup

__all__ = ["DEFAULT_WATCH_CONCURRENCY", "MultiWatch", "WatchItem"]

logger = logging.getLogger("pwasync.watch")

DEFAULT_WATCH_CONCURRENCY = 16
# Events a slow consumer may leave unread before the watches wait for it.
_BUFFER = 100

WatchItem = ProvisionEvent | WatchFailure


class MultiWatch:
    """One stream of the events of many provisioning runs.

    Enter it with ``async with``, then iterate it: it yields each run's
    ``ProvisionEvent`` objects, in order within a run and interleaved across
    runs, and ends when every run has finished or failed. A run whose watch
    raises (``NotFoundError``, ``WaitTimeout``, too many failed polls) yields
    one ``WatchFailure`` and stops; the other runs go on. At most
    ``concurrency`` polls are in flight at once, across all runs. An
    exception raised inside the ``async with`` block leaves it unwrapped.
    """

    def __init__(
        self,
        fetch: Callable[[str], Awaitable[ProvisionSnapshot]],
        infra_ids: Iterable[str],
        *,
        retry: RetryPolicy,
        concurrency: int = DEFAULT_WATCH_CONCURRENCY,
        interval: float = DEFAULT_INTERVAL,
        max_interval: float = DEFAULT_MAX_INTERVAL,
        timeout: float | None = None,
        cursors: Mapping[str, str] | None = None,
        on_poll: Callable[[ProvisionSnapshot], object] | None = None,
    ) -> None:
        ids = _check_ids(infra_ids)
        if isinstance(concurrency, bool) or not isinstance(concurrency, int):
            raise TypeError(f"concurrency must be an int, got {type(concurrency).__name__}")
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        cursors = dict(cursors or {})
        unknown = sorted(set(cursors) - set(ids))
        if unknown:
            raise ValueError(f"cursors name runs that are not watched: {', '.join(unknown)}")

        self._fetch = fetch
        self._concurrency = concurrency
        self._limiter: anyio.CapacityLimiter | None = None
        self._streams = [
            (
                infra_id,
                watch_provisioning(
                    self._limited_fetch(infra_id),
                    infra_id,
                    retry=retry,
                    interval=interval,
                    max_interval=max_interval,
                    timeout=timeout,
                    cursor=cursors.get(infra_id),
                    on_poll=on_poll,
                ),
            )
            for infra_id in ids
        ]
        self._tasks: TaskGroup | None = None
        self._receive: MemoryObjectReceiveStream[WatchItem] | None = None
        self._state = "new"

    def _limited_fetch(self, infra_id: str) -> Callable[[], Awaitable[ProvisionSnapshot]]:
        async def fetch() -> ProvisionSnapshot:
            assert self._limiter is not None
            async with self._limiter:
                return await self._fetch(infra_id)

        return fetch

    async def __aenter__(self) -> MultiWatch:
        if self._state != "new":
            raise RuntimeError(f"this watch_many stream is {self._state}; enter it only once")
        self._state = "open"
        self._limiter = anyio.CapacityLimiter(self._concurrency)
        send, self._receive = anyio.create_memory_object_stream[WatchItem](_BUFFER)
        self._tasks = anyio.create_task_group()
        await self._tasks.__aenter__()
        with send:
            for infra_id, stream in self._streams:
                self._tasks.start_soon(_pump, infra_id, stream, send.clone())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        assert self._tasks is not None
        assert self._receive is not None
        self._state = "closed"
        self._tasks.cancel_scope.cancel()
        try:
            return await self._tasks.__aexit__(exc_type, exc, traceback)
        except BaseExceptionGroup as group:
            # The pumps turn every Exception into a WatchFailure item, so a
            # group that holds only the block's own exception is the task
            # group wrapping it. Returning False re-raises that exception
            # unchanged, so ``except KeyError`` around the block still works.
            if exc is not None and len(group.exceptions) == 1 and group.exceptions[0] is exc:
                return False
            raise
        finally:
            self._receive.close()

    def __aiter__(self) -> MultiWatch:
        return self

    async def __anext__(self) -> WatchItem:
        if self._receive is None:
            raise RuntimeError("enter watch_many with 'async with' before iterating it")
        try:
            return await self._receive.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            raise StopAsyncIteration from None


async def _pump(
    infra_id: str, stream: WatchStream[ProvisionEvent], send: MemoryObjectSendStream[WatchItem]
) -> None:
    """Forward one run's events, then its failure if its watch raised."""
    with send:
        try:
            async with stream as events:
                async for event in events:
                    await send.send(event)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            return
        except Exception as error:
            # INFO, not WARNING: the caller receives the error as a WatchFailure.
            logger.info("watch of provisioning run %s failed: %r", infra_id, error)
            try:
                await send.send(WatchFailure(infra_id=infra_id, error=error))
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                return


def _check_ids(infra_ids: Iterable[str]) -> list[str]:
    if isinstance(infra_ids, str):
        raise TypeError(
            f"infra_ids must be an iterable of infraId strings, not one string ({infra_ids!r})"
        )
    ids = list(infra_ids)
    for infra_id in ids:
        if not isinstance(infra_id, str) or not infra_id:
            raise ValueError(f"every infra_id must be a non-empty string, got {infra_id!r}")
    repeated = sorted(infra_id for infra_id, count in Counter(ids).items() if count > 1)
    if repeated:
        raise ValueError(f"infra_ids must be unique; repeated: {', '.join(repeated)}")
    return ids
