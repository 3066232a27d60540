"""A client opened in one event loop and used in another raises an error naming the misuse."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from pwasync import Client

from ._scripted import API_KEY, scripted


def test_client_in_second_loop_rejected() -> None:
    """A call from a second event loop raises RuntimeError, not aiohttp's bare loop error."""
    first_loop = asyncio.new_event_loop()
    stack = contextlib.AsyncExitStack()

    async def open_in_first_loop() -> Client:
        server = await stack.enter_async_context(scripted(["alice"]))
        pw = await stack.enter_async_context(Client(api_key=API_KEY, base_url=server.url))
        assert await pw.auth.whoami() == "alice"
        return pw

    async def call_in_second_loop(pw: Client) -> None:
        await pw.auth.whoami()

    try:
        pw = first_loop.run_until_complete(open_in_first_loop())

        with pytest.raises(RuntimeError, match="opened in another event loop") as caught:
            asyncio.run(call_in_second_loop(pw))

        assert "Event loop is closed" not in str(caught.value)
        assert first_loop.run_until_complete(pw.auth.whoami()) == "alice"
    finally:
        first_loop.run_until_complete(stack.aclose())
        first_loop.close()
