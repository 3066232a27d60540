"""A loopback server that responds to each request with the next of a list of replies."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiohttp import web

API_KEY = "pwt_MTI3LjAuMC4x.robustness-key"


def step(index: int, step_id: str, status: str, logs: str = "") -> dict[str, Any]:
    """Return one provision status step as the server sends it."""
    return {"id": step_id, "index": index, "name": step_id, "status": status, "logs": logs}


class Scripted:
    """The replies still to send, and how many requests arrived."""

    def __init__(self, replies: Sequence[web.Response | Any]) -> None:
        self.url = ""
        self.requests = 0
        self._replies = list(replies)

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        # The last reply repeats once the list is used up.
        reply = self._replies[min(self.requests, len(self._replies) - 1)]
        self.requests += 1
        if isinstance(reply, web.Response):
            return reply
        return web.json_response(reply)


@contextlib.asynccontextmanager
async def scripted(replies: Sequence[web.Response | Any]) -> AsyncIterator[Scripted]:
    """Serve ``replies`` in order on a free loopback port, for every method and path.

    A reply is a ``web.Response`` sent as is, or a value sent as JSON.
    """
    server = Scripted(replies)
    runner = web.ServerRunner(web.Server(server.handle), shutdown_timeout=0.5)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        server.url = f"http://{host}:{port}"
        yield server
    finally:
        await runner.cleanup()
