"""Helpers for the reliability tests: loopback servers, log capture, a threaded emulator."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

import anyio
import attrs
from aiohttp import web

from pwasync import Client
from pwasync.testing import Emulator, Faults, Stats

T = TypeVar("T")

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


@attrs.frozen
class Seen:
    """One request as a test server received it: the raw path is the bytes on the wire."""

    method: str
    raw_path: str
    authorization: str | None


@attrs.define
class RecordingServer:
    """A loopback server that records every request and responds with ``handler``."""

    url: str
    seen: list[Seen]


@asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[RecordingServer]:
    """Serve ``handler`` for every method and path on a free loopback port.

    A low-level server without a router passes every request on, even one
    whose decoded path contains a newline, which a route pattern would not match.
    """
    server = RecordingServer(url="", seen=[])

    async def record(request: web.BaseRequest) -> web.StreamResponse:
        server.seen.append(
            Seen(request.method, request.raw_path, request.headers.get("Authorization"))
        )
        return await handler(request)

    runner = web.ServerRunner(web.Server(record), shutdown_timeout=0.5)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        server.url = f"http://{host}:{port}"
        yield server
    finally:
        await runner.cleanup()


class RecordCollector(logging.Handler):
    """A logging handler that keeps every record it is given."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def texts(self) -> list[str]:
        """Return every text a record can show: message, raw arguments, exception, stack."""
        texts: list[str] = []
        for record in self.records:
            texts.append(record.getMessage())
            texts.append(str(record.msg))
            texts.append(repr(record.args))
            if record.exc_info and record.exc_info[1] is not None:
                texts.append("".join(traceback.format_exception(*record.exc_info)))
            if record.exc_text:
                texts.append(record.exc_text)
            if record.stack_info:
                texts.append(record.stack_info)
        return texts


@contextmanager
def capture_logs(name: str = "pwasync") -> Iterator[RecordCollector]:
    """Collect every record of logger ``name`` and its children at DEBUG level."""
    logger = logging.getLogger(name)
    collector = RecordCollector()
    previous = logger.level
    logger.addHandler(collector)
    logger.setLevel(logging.DEBUG)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        logger.setLevel(previous)


class ThreadedEmulator:
    """An emulator serving from its own thread and event loop.

    The test's event loop then runs only client tasks, so that comparing
    ``asyncio.all_tasks()`` before and after shows exactly what the client left.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._ready: concurrent.futures.Future[tuple[Emulator, asyncio.AbstractEventLoop]]
        self._ready = concurrent.futures.Future()
        self._done: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="emulator", daemon=True)
        self.url = ""
        self.api_key = ""
        self.org = ""
        self.user = ""

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:
            if not self._ready.done():
                self._ready.set_exception(error)
            self._done.set_exception(error)
        else:
            self._done.set_result(None)

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with Emulator(**self._options) as emulator:
            self._ready.set_result((emulator, asyncio.get_running_loop()))
            await self._stop.wait()

    async def __aenter__(self) -> ThreadedEmulator:
        self._thread.start()
        emulator, self._loop = await asyncio.wrap_future(self._ready)
        self._emulator = emulator
        self.url, self.api_key = emulator.url, emulator.api_key
        self.org, self.user = emulator.org, emulator.user
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        await asyncio.wrap_future(self._done)
        self._thread.join()

    async def call(self, function: Callable[[Emulator], T]) -> T:
        """Run ``function(emulator)`` in the emulator's thread and return its result."""

        async def run() -> T:
            return function(self._emulator)

        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(run(), self._loop))

    async def set_faults(self, faults: Faults | None) -> None:
        """Put ``faults`` in force from now on."""

        def assign(emulator: Emulator) -> None:
            emulator.faults = faults

        await self.call(assign)

    async def stats(self) -> Stats:
        """Return a snapshot of the emulator's request statistics."""
        return await self.call(lambda emulator: emulator.stats)

    async def settle(self) -> Stats:
        """Wait until no request is being handled, stalled ones included; return the stats."""
        with anyio.fail_after(5):
            while (await self.stats()).in_flight:  # noqa: ASYNC110 (no event to await)
                await anyio.sleep(0.05)
        return await self.stats()


def leftover_tasks(before: set[asyncio.Task[Any]]) -> list[str]:
    """Return the names of the tasks of this event loop that were not in ``before``."""
    return [task.get_name() for task in asyncio.all_tasks() if task not in before]


async def check_slots_free(pw: Client, emulator: ThreadedEmulator) -> None:
    """Assert that ``pw`` keeps no connection or request slot, and still works at full width.

    NOTE: neither aiohttp's connector nor the client's request limit exposes
    a count of what is held, so both counts are read from private attributes.
    """
    slots = pw.max_concurrency
    session = pw._session
    assert session is not None
    assert session.connector is not None
    limiter = pw._transport._limiter
    assert limiter is not None
    assert len(session.connector._acquired) == 0
    assert limiter._value == slots

    await emulator.set_faults(Faults(latency=0.05))
    with anyio.fail_after(5):
        while pw.cooldown.remaining():  # noqa: ASYNC110 (no event to await)
            await anyio.sleep(0.05)
    await emulator.settle()
    await emulator.call(lambda emu: emu.reset_stats())
    names: list[str] = []

    async def whoami() -> None:
        names.append(await pw.auth.whoami())

    async with anyio.create_task_group() as tasks:
        for _ in range(slots * 2):
            tasks.start_soon(whoami)

    stats = await emulator.stats()
    await emulator.set_faults(None)
    assert names == [emulator.user] * slots * 2
    assert stats.max_in_flight <= slots
    assert len(session.connector._acquired) == 0
