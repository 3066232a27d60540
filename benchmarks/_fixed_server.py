"""A minimal aiohttp.web server that returns one fixed body, run in its own process.

Started by the call-overhead figure as ``python -m benchmarks._fixed_server``:
it prints ``{"port": N}`` on one line once it listens on 127.0.0.1 and serves
until its standard input closes, so it never outlives the benchmark. Running
it in a separate process keeps its CPU off the client's event loop.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time

from aiohttp import web

from benchmarks._payloads import images_body

IMAGES_PATH = "/api/platform/images"
CPU_PATH = "/bench/cpu"


def build_app(body: bytes) -> web.Application:
    """Build the application: ``body`` on the images route, and the server's CPU time."""

    async def images(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    async def cpu(request: web.Request) -> web.Response:
        return web.json_response({"cpu_seconds": time.process_time()})

    app = web.Application()
    app.router.add_get(IMAGES_PATH, images)
    app.router.add_get(CPU_PATH, cpu)
    return app


async def serve() -> None:
    """Serve on a free loopback port until standard input reaches end of file."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    runner = web.AppRunner(build_app(images_body()), access_log=None)
    await runner.setup()
    try:
        await web.SockSite(runner, listener, backlog=1024).start()
        print(json.dumps({"port": listener.getsockname()[1]}), flush=True)

        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.buffer.read)
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(serve())
