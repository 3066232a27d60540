"""The polling engine: pacing, failed polls, deadlines and stream life cycle.

These tests feed the engine from in-process fetch functions, so that each
failure arrives exactly when the test wants it. The emulator tests cover the
same paths over HTTP.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable

import anyio
import pytest

from pwasync._errors import (
    AuthenticationError,
    ConnectError,
    InvalidCursorError,
    NotFoundError,
    RateLimitError,
    ServerError,
    WaitTimeout,
)
from pwasync._retry import RetryPolicy
from pwasync._watch import Pacer, WatchStream
from pwasync._watchers import watch_provisioning
from pwasync.models import ProvisionSnapshot
from pwasync.models.events import ProvisionEvent, ProvisionEventKind

from ._snapshots import snapshot, step

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.002)
RUNNING = snapshot(step("s0", "provisioning", "a\n"))
DONE = snapshot(step("s0", "provisioned", "a\nb\n"))


def _server_error() -> ServerError:
    return ServerError("unavailable", status=503, method="GET", path="/provisionstatus")


class _Script:
    """A fetch function that plays back results and errors, and records call times."""

    def __init__(self, *results: ProvisionSnapshot | Exception) -> None:
        self.results = list(results)
        self.calls: list[float] = []

    async def __call__(self) -> ProvisionSnapshot:
        self.calls.append(anyio.current_time())
        await anyio.lowlevel.checkpoint()
        result = self.results.pop(0) if len(self.results) > 1 else self.results[0]
        if isinstance(result, Exception):
            raise result
        return result


def _watch(
    fetch: Callable[[], Awaitable[ProvisionSnapshot]], **options: object
) -> WatchStream[ProvisionEvent]:
    settings: dict[str, object] = {"retry": FAST, "interval": 0.001, "max_interval": 0.002}
    settings.update(options)
    return watch_provisioning(fetch, "infra-1", **settings)  # type: ignore[arg-type]


async def _kinds(stream: WatchStream[ProvisionEvent]) -> list[str]:
    async with stream as events:
        return [event.kind.value async for event in events]


def test_pacer_grows_until_max_and_resets_on_change() -> None:
    """Delays grow by 1.5 while nothing changes, stop at max_interval, and reset on a change."""
    pacer = Pacer(1.0, 3.0, random.Random(7))
    ceilings = [1.5, 2.25, 3.0, 3.0, 1.0, 1.5]
    changes = [False, False, False, False, True, False]

    delays = [pacer.next_delay(changed=changed) for changed in changes]

    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert 0.8 * ceiling <= delay <= ceiling


def test_pacer_jitter_spreads_delays() -> None:
    """Two watchers with different random streams do not sleep in lockstep."""
    first = Pacer(1.0, 1.0, random.Random(1))
    second = Pacer(1.0, 1.0, random.Random(2))

    pairs = [(first.next_delay(changed=True), second.next_delay(changed=True)) for _ in range(5)]

    assert any(abs(a - b) > 0.01 for a, b in pairs)


async def test_transient_failures_repeat_no_event() -> None:
    """Failed polls between successful ones are retried and repeat or lose no event."""
    fetch = _Script(RUNNING, _server_error(), ConnectError("reset", method="GET", path="/p"), DONE)

    kinds = await _kinds(_watch(fetch))

    assert kinds == ["step_added", "logs_appended", "logs_appended", "status_changed", "finished"]
    assert len(fetch.calls) == 4


async def test_too_many_failed_polls_raise_last_error() -> None:
    """As many consecutive failed polls as the policy's attempts raise the last error."""
    last = _server_error()
    fetch = _Script(RUNNING, _server_error(), _server_error(), last)

    with pytest.raises(ServerError) as caught:
        await _kinds(_watch(fetch))

    assert caught.value is last
    assert len(fetch.calls) == 4


async def test_retry_after_is_honoured() -> None:
    """A 429 that the transport gave up on delays the next poll by its Retry-After."""
    limited = RateLimitError(
        "slow down", retry_after=0.1, status=429, method="GET", path="/provisionstatus"
    )
    fetch = _Script(limited, DONE)

    await _kinds(_watch(fetch))

    assert fetch.calls[1] - fetch.calls[0] >= 0.1


async def test_not_found_ends_the_watch_at_once() -> None:
    """A 404 ends the stream with NotFoundError and no retry."""
    gone = NotFoundError("no such run", status=404, method="GET", path="/provisionstatus")
    fetch = _Script(RUNNING, gone)

    with pytest.raises(NotFoundError):
        await _kinds(_watch(fetch))

    assert len(fetch.calls) == 2


async def test_permanent_error_is_not_retried() -> None:
    """An error that no retry can fix, such as a 401, ends the stream on the first poll."""
    fetch = _Script(AuthenticationError("bad key", status=401, method="GET", path="/p"))

    with pytest.raises(AuthenticationError):
        await _kinds(_watch(fetch))

    assert len(fetch.calls) == 1


async def test_timeout_raises_wait_timeout_with_last_state() -> None:
    """The whole-watch timeout raises WaitTimeout carrying the last polled snapshot."""
    fetch = _Script(RUNNING)
    started = anyio.current_time()

    with pytest.raises(WaitTimeout) as caught:
        await _kinds(_watch(fetch, timeout=0.1, interval=0.01, max_interval=0.02))

    elapsed = anyio.current_time() - started
    assert 0.1 <= elapsed < 1.0
    assert caught.value.last == RUNNING
    assert isinstance(caught.value, TimeoutError)


async def test_timeout_cuts_a_stalled_poll() -> None:
    """A poll still pending at the deadline is cancelled and raises WaitTimeout."""

    async def stalls() -> ProvisionSnapshot:
        await anyio.sleep(10)
        return RUNNING

    with anyio.fail_after(2), pytest.raises(WaitTimeout):
        await _kinds(_watch(stalls, timeout=0.05))


async def test_cancelled_next_loses_no_event() -> None:
    """Cancelling a pending __anext__ keeps the stream usable and loses no event."""
    release = anyio.Event()

    async def slow_then_done() -> ProvisionSnapshot:
        await release.wait()
        return DONE

    stream = _watch(slow_then_done)

    with anyio.move_on_after(0.02):
        await stream.__anext__()
    release.set()
    kinds = await _kinds(stream)

    assert kinds == ["step_added", "logs_appended", "finished"]


async def test_stream_ends_after_error() -> None:
    """After a stream raised, iterating it again stops at once."""
    fetch = _Script(NotFoundError("gone", status=404, method="GET", path="/p"))
    stream = _watch(fetch)
    with pytest.raises(NotFoundError):
        await stream.__anext__()

    rest = [event async for event in stream]

    assert rest == []
    assert len(fetch.calls) == 1


async def test_second_iterating_task_is_rejected() -> None:
    """Two tasks iterating one stream at once get a RuntimeError naming the misuse."""
    release = anyio.Event()

    async def blocked() -> ProvisionSnapshot:
        await release.wait()
        return DONE

    stream = _watch(blocked)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(stream.__anext__)
        await anyio.sleep(0.01)
        with pytest.raises(RuntimeError, match="already being iterated by another task"):
            await stream.__anext__()
        release.set()


async def test_aclose_stops_without_request() -> None:
    """aclose ends the stream; later iteration sends no request."""
    fetch = _Script(RUNNING)
    stream = _watch(fetch)
    await stream.__anext__()

    await stream.aclose()
    await stream.aclose()
    rest = [event async for event in stream]

    assert rest == []
    assert len(fetch.calls) == 1


async def test_on_poll_sees_every_snapshot() -> None:
    """on_poll is called with each polled snapshot, including polls without change."""
    fetch = _Script(RUNNING, RUNNING, DONE)
    seen: list[ProvisionSnapshot] = []

    await _kinds(_watch(fetch, on_poll=seen.append))

    assert seen == [RUNNING, RUNNING, DONE]


async def test_finished_cursor_ends_without_request() -> None:
    """A cursor taken from a finished event resumes a stream that ends at once."""
    events = [event async for event in _watch(_Script(DONE))]
    fetch = _Script(DONE)

    rest = await _kinds(_watch(fetch, cursor=events[-1].cursor))

    assert events[-1].kind is ProvisionEventKind.FINISHED
    assert rest == []
    assert fetch.calls == []


@pytest.mark.parametrize(
    ("cursor", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "not a JSON object"),
        ('{"v": 2, "type": "provision"}', "unsupported version 2"),
        ('{"v": 1, "type": "ai_chat"}', "for a 'ai_chat' watch, not 'provision'"),
        ('{"v": 1}', r"names no watch type \(expected 'provision'\)"),
        (
            '{"v": 1, "type": "provision", "infra_id": "infra-2", "finished": false, "steps": []}',
            "belongs to provisioning run 'infra-2', not 'infra-1'",
        ),
        (
            '{"v": 1, "type": "provision", "infra_id": "infra-1", "finished": 0, "steps": []}',
            "'finished' must be a boolean",
        ),
        (
            '{"v":1,"type":"provision","infra_id":"infra-1","finished":false,"steps":[["s0"]]}',
            r"each step must be \[id, status, log length, digest\]",
        ),
        (b"{}", "expected a string, got bytes"),
    ],
)
def test_invalid_cursor_is_rejected_at_call(cursor: object, message: str) -> None:
    """A malformed, foreign or unknown-version cursor raises InvalidCursorError at call time."""

    with pytest.raises(InvalidCursorError, match=message):
        _watch(_Script(DONE), cursor=cursor)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"interval": 0}, ValueError, "interval must be a finite number of seconds > 0, got 0"),
        ({"interval": "1"}, TypeError, "interval must be a number of seconds, got str"),
        ({"max_interval": float("inf")}, ValueError, "max_interval must be a finite number"),
        (
            {"interval": 2.0, "max_interval": 1.0},
            ValueError,
            r"max_interval \(1\) must be at least",
        ),
        ({"timeout": -1}, ValueError, "timeout must be a finite number of seconds > 0, got -1"),
        ({"timeout": True}, TypeError, "timeout must be a number of seconds, got bool"),
        ({"on_poll": 3}, TypeError, "on_poll must be callable or None, got int"),
    ],
)
def test_invalid_options_are_rejected(
    options: dict[str, object], error: type[Exception], message: str
) -> None:
    """Unusable pacing options raise at call time with the option and value named."""

    with pytest.raises(error, match=message):
        _watch(_Script(DONE), **options)
