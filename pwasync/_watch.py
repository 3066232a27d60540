"""The polling engine behind every watcher: pacing, fault tolerance, deadlines.

A ``WatchStream`` polls one resource, hands each polled state to a tracker
that turns it into change events, and delivers those events one by one. It
polls only from inside ``__anext__``, so a consumer that stops iterating
leaves no request in flight and no background task behind.

Pacing: the first poll is immediate. After a poll that produced no event the
delay grows by ``_GROWTH`` up to ``max_interval``, and after a poll that
produced one it returns to ``interval``. Each sleep is the delay times a
random factor between ``1 - _JITTER`` and 1, so that many watchers started
together spread out and no sleep exceeds ``max_interval``. Delays count from
the start of the previous poll on the monotonic clock.

Faults: each poll goes through the client's transport, which already retries
per the client's ``RetryPolicy``. A poll that still fails with a transient
error (connection error, timeout, 429, 5xx) is retried by the watcher after
the policy's backoff delay, or after the server's ``Retry-After`` for a 429.
A ``Retry-After`` above the policy's ``max_retry_after`` ends the stream with
the ``RateLimitError`` at once, as it ends a single call.
``RetryPolicy.attempts`` consecutive failed polls end the stream with the
last error. Any other error, such as ``NotFoundError``, ends it at once.
"""

from __future__ import annotations

import inspect
import itertools
import logging
import math
import random
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

import anyio

from pwasync._errors import APIError, RateLimitError, ServerError, TransportError, WaitTimeout
from pwasync._retry import RetryPolicy

__all__ = ["Pacer", "Tracker", "WatchStream", "check_pacing", "is_transient"]

logger = logging.getLogger("pwasync.watch")

E = TypeVar("E")
S = TypeVar("S")
S_contra = TypeVar("S_contra", contravariant=True)
E_co = TypeVar("E_co", covariant=True)

_GROWTH = 1.5
_JITTER = 0.2
# One generator for the jitter of every stream: a Random instance takes about
# 2.5 KB of state, which thousands of concurrent watchers would each repeat.
_JITTER_RNG = random.Random()
_TIMEOUT_STATUS = 408


class Tracker(Protocol[S_contra, E_co]):
    """The change detector a stream feeds: it turns polled states into events."""

    @property
    def finished(self) -> bool: ...

    def observe(self, state: S_contra, /) -> Sequence[E_co]: ...


def check_pacing(interval: object, max_interval: object, timeout: object) -> None:
    """Raise ``TypeError`` or ``ValueError`` unless the pacing options are usable."""
    shortest = _seconds("interval", interval)
    longest = _seconds("max_interval", max_interval)
    if longest < shortest:
        raise ValueError(f"max_interval ({longest:g}) must be at least interval ({shortest:g})")
    if timeout is not None:
        _seconds("timeout", timeout, allow_infinite=True)


def _seconds(name: str, value: object, *, allow_infinite: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__}")
    if math.isnan(value) or value <= 0 or (math.isinf(value) and not allow_infinite):
        raise ValueError(f"{name} must be a finite number of seconds > 0, got {value!r}")
    return float(value)


def is_transient(error: Exception) -> bool:
    """Return whether a failed poll is worth repeating: no response, a timeout, a 429 or a 5xx."""
    if isinstance(error, (TransportError, RateLimitError, ServerError)):
        return True
    return isinstance(error, APIError) and error.status == _TIMEOUT_STATUS


class Pacer:
    """The delay before each next poll: growing while nothing changes, jittered.

    ``rng`` supplies the jitter; seed it for reproducible delays.
    """

    def __init__(self, interval: float, max_interval: float, rng: random.Random) -> None:
        self.interval = interval
        self.max_interval = max_interval
        self._delay = interval
        self._rng = rng

    def next_delay(self, *, changed: bool) -> float:
        """Return the seconds to wait after a poll that did or did not bring a change."""
        if changed:
            self._delay = self.interval
        else:
            self._delay = min(self.max_interval, self._delay * _GROWTH)
        return self._delay * (1.0 - _JITTER * self._rng.random())


class WatchStream(Generic[E]):
    """An async iterator of change events from a polled resource.

    Use it directly in ``async for``, or as ``async with stream as events`` to
    close it on exit. The stream ends after its tracker reports the resource
    finished (a provisioning run's ``finished`` event). Otherwise it raises
    the error that ended it: ``NotFoundError`` when the resource is gone,
    ``WaitTimeout`` when ``timeout`` passes, or the last transient error after
    too many consecutive failed polls. Once it has raised or ended, further
    iteration stops at once. Cancelling a pending ``__anext__`` loses no
    event: the stream can be iterated again afterwards.

    ``timeout`` counts from the first ``__anext__``, on the monotonic clock.
    ``on_poll``, a plain function, is called with every polled state before
    its events are delivered, and an exception it raises ends the stream.
    """

    def __init__(
        self,
        *,
        fetch: Callable[[], Awaitable[S]],
        tracker: Tracker[S, E],
        retry: RetryPolicy,
        description: str,
        interval: float,
        max_interval: float,
        timeout: float | None,
        on_poll: Callable[[S], object] | None,
    ) -> None:
        check_pacing(interval, max_interval, timeout)
        if on_poll is not None and not callable(on_poll):
            raise TypeError(f"on_poll must be callable or None, got {type(on_poll).__name__}")
        if inspect.iscoroutinefunction(on_poll):
            raise TypeError(
                "on_poll must be a plain function: the watch calls it without await, "
                "so the body of an async function would never run"
            )
        self._fetch: Callable[[], Awaitable[Any]] = fetch
        self._tracker: Tracker[Any, E] = tracker
        self._retry = retry
        self._description = description
        self._pacer = Pacer(float(interval), float(max_interval), _JITTER_RNG)
        self._timeout = timeout
        self._on_poll: Callable[[Any], object] | None = on_poll
        # Undelivered events of the last poll, last event first, so that pop()
        # delivers them in order; an empty list is far smaller than a deque.
        self._pending: list[E] = []
        self._deadline: float | None = None
        self._next_poll_at = -math.inf
        self._poll_started = -math.inf
        self._last: Any = None
        self._closed = False
        self._busy = False

    def __aiter__(self) -> WatchStream[E]:
        return self

    async def __anext__(self) -> E:
        if self._busy:
            raise RuntimeError(
                f"the watch of {self._description} is already being iterated by another "
                "task; iterate each watch from one task at a time"
            )
        self._busy = True
        try:
            return await self._next_event()
        except anyio.get_cancelled_exc_class():
            raise
        except BaseException:
            self._close()
            raise
        finally:
            self._busy = False

    async def __aenter__(self) -> WatchStream[E]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the stream: later iteration ends at once. Idempotent, and sends no request."""
        self._close()

    @property
    def last(self) -> Any:
        """The last state polled, or ``None`` before the first successful poll."""
        return self._last

    def _close(self) -> None:
        self._closed = True
        self._pending.clear()

    async def _next_event(self) -> E:
        if self._closed:
            raise StopAsyncIteration
        if self._deadline is None and self._timeout is not None:
            self._deadline = anyio.current_time() + self._timeout

        while not self._pending:
            if self._tracker.finished:
                self._close()
                raise StopAsyncIteration
            state = await self._poll()
            self._last = state
            if self._on_poll is not None:
                self._on_poll(state)
            events = self._tracker.observe(state)
            self._next_poll_at = self._poll_started + self._pacer.next_delay(changed=bool(events))
            self._pending = list(reversed(events))
        return self._pending.pop()

    async def _poll(self) -> Any:
        failures = 0
        while True:
            await self._sleep_until(self._next_poll_at)
            self._poll_started = anyio.current_time()
            try:
                return await self._fetch_before_deadline()
            except Exception as error:
                if not is_transient(error) or self._waits_too_long(error):
                    raise
                failures += 1
                if failures >= self._retry.attempts:
                    logger.warning(
                        "watch of %s gave up after %d failed polls in a row: %s",
                        self._description,
                        failures,
                        error,
                    )
                    raise
                delay = self._failure_delay(failures, error)
                logger.warning(
                    "poll %d of %s failed (%s); polling again in %.2f s",
                    failures,
                    self._description,
                    error,
                    delay,
                )
                self._next_poll_at = anyio.current_time() + delay

    async def _fetch_before_deadline(self) -> Any:
        deadline = math.inf if self._deadline is None else self._deadline
        with anyio.CancelScope(deadline=deadline) as scope:
            return await self._fetch()
        assert scope.cancelled_caught
        raise self._timed_out()

    def _waits_too_long(self, error: Exception) -> bool:
        if not isinstance(error, RateLimitError) or error.retry_after is None:
            return False
        return error.retry_after > self._retry.max_retry_after

    def _failure_delay(self, failures: int, error: Exception) -> float:
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            return max(0.0, error.retry_after)
        # The n-th failure waits as the policy's n-th retry would.
        return next(itertools.islice(self._retry.delays(), failures - 1, None))

    async def _sleep_until(self, moment: float) -> None:
        if self._deadline is not None and moment >= self._deadline:
            await anyio.sleep_until(self._deadline)
            raise self._timed_out()
        await anyio.sleep_until(moment)

    def _timed_out(self) -> WaitTimeout:
        return WaitTimeout(
            f"the watch of {self._description} timed out after {self._timeout:g} s; "
            "pass a longer timeout, or None to wait without limit",
            last=self._last,
        )
