"""Helpers for the reliability tests: loopback servers of the tests' own, log capture."""

from __future__ import annotations

import logging
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

import attrs
from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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
    """Serve ``handler`` for every method and path on a free loopback port."""
    server = RecordingServer(url="", seen=[])

    async def record(request: web.Request) -> web.StreamResponse:
        server.seen.append(
            Seen(request.method, request.raw_path, request.headers.get("Authorization"))
        )
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
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
