"""The library logs through the ``pwasync`` logger tree and never prints on its own."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from pwasync import Client, WatchFailure
from pwasync.testing import Emulator

# A program whose server returns 503 to the first request, so that the client logs a
# retry at WARNING, and configures no logging of its own.
RETRIED_CALL = """
import anyio
from aiohttp import web

from pwasync import Client

hits = 0


async def whoami(request: web.Request) -> web.Response:
    global hits
    hits += 1
    if hits == 1:
        return web.json_response({"message": "busy"}, status=503)
    return web.json_response("alice")


async def main() -> None:
    app = web.Application()
    app.router.add_get("/api/auth/whoami", whoami)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with Client(api_key="pwt_x.y", base_url=f"http://127.0.0.1:{port}") as pw:
            print(await pw.auth.whoami(), hits)
    finally:
        await runner.cleanup()


anyio.run(main)
"""


def test_retried_call_prints_nothing_on_stderr() -> None:
    """A program without logging set up prints nothing for a retry that then succeeds."""
    result = subprocess.run(
        [sys.executable, "-c", RETRIED_CALL],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["alice", "2"]
    assert result.stderr == ""


@pytest.mark.anyio
async def test_watch_many_failure_logged_below_warning(
    emulator: Emulator, pw: Client, caplog: pytest.LogCaptureFixture
) -> None:
    """A run that watch_many hands back as a WatchFailure is logged at INFO, not WARNING."""
    caplog.set_level(logging.DEBUG, logger="pwasync")

    async with pw.provision_status.watch_many(emulator.org, ["inf-missing"]) as events:
        items = [item async for item in events]

    assert len(items) == 1
    assert isinstance(items[0], WatchFailure)
    failure_records = [record for record in caplog.records if "inf-missing" in record.getMessage()]
    assert failure_records
    assert all(record.levelno < logging.WARNING for record in failure_records)
