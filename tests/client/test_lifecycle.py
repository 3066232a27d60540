"""Opening and closing a client, misuse, and caller-supplied sessions."""

from __future__ import annotations

import gc

import aiohttp
import pytest

from pwasync import Client, ClientClosedError
from pwasync.testing import Emulator

from ._support import API_KEY, ScriptedServer, json_reply

pytestmark = pytest.mark.anyio


async def test_async_with_returns_self(server: ScriptedServer) -> None:
    """async with opens the client, returns it, and closes it on exit."""
    client = Client(api_key=API_KEY, base_url=server.url)

    async with client as entered:
        inside = repr(entered)

    assert entered is client
    assert "state=open" in inside
    assert client.closed


async def test_open_and_close_idempotent(server: ScriptedServer) -> None:
    """open() on an open client and aclose() on a closed one do nothing."""
    server.default = json_reply(200, "alice")
    client = Client(api_key=API_KEY, base_url=server.url)

    await client.open()
    await client.open()
    user = await client.auth.whoami()
    await client.aclose()
    await client.aclose()

    assert user == "alice"
    assert client.closed


async def test_call_before_open(server: ScriptedServer) -> None:
    """A call on a client never opened raises ClientClosedError saying how to open it."""
    client = Client(api_key=API_KEY, base_url=server.url)

    with pytest.raises(ClientClosedError, match="not open: use 'async with"):
        await client.auth.whoami()

    assert server.received == []


async def test_call_after_close(server: ScriptedServer) -> None:
    """A call after aclose() raises ClientClosedError naming the misuse."""
    async with Client(api_key=API_KEY, base_url=server.url) as client:
        pass

    with pytest.raises(ClientClosedError, match="client is closed"):
        await client.sessions.list()
    with pytest.raises(ClientClosedError, match="cannot be reopened"):
        await client.open()


async def test_caller_session_left_open(server: ScriptedServer) -> None:
    """A session passed in is used for requests and stays open after the client closes."""
    server.default = json_reply(200, "alice")

    async with aiohttp.ClientSession() as session:
        async with Client(api_key=API_KEY, base_url=server.url, session=session) as pw:
            user = await pw.auth.whoami()

        assert user == "alice"
        assert not session.closed


async def test_caller_session_closed_early(server: ScriptedServer) -> None:
    """A caller session closed under the client raises ClientClosedError, not a RuntimeError."""
    session = aiohttp.ClientSession()
    client = Client(api_key=API_KEY, base_url=server.url, session=session)
    await client.open()

    await session.close()

    with pytest.raises(ClientClosedError, match="closed by its owner"):
        await client.auth.whoami()
    await client.aclose()


async def test_closed_caller_session_rejected(server: ScriptedServer) -> None:
    """Opening with an already closed session raises ValueError."""
    session = aiohttp.ClientSession()
    await session.close()
    client = Client(api_key=API_KEY, base_url=server.url, session=session)

    with pytest.raises(ValueError, match="already closed"):
        await client.open()


async def test_unclosed_client_warns(server: ScriptedServer) -> None:
    """A client collected while open emits a ResourceWarning and closes nothing."""
    async with aiohttp.ClientSession() as session:
        client = Client(api_key=API_KEY, base_url=server.url, session=session)
        await client.open()

        # The resources refer back to the client, so only the cycle collector frees it.
        del client
        with pytest.warns(ResourceWarning, match="unclosed <pwasync.Client"):
            gc.collect()

        assert not session.closed


def test_construct_outside_loop() -> None:
    """Building a client needs no event loop and creates no session."""
    client = Client(api_key=API_KEY, base_url="https://platform.example")

    assert client._session is None
    assert not client.closed
    del client
    gc.collect()


def test_resources_reach_client() -> None:
    """Every resource namespace keeps a reference to its client."""
    client = Client(api_key=API_KEY, base_url="https://platform.example")

    namespaces = [
        client.auth,
        client.organizations,
        client.ai_chats,
        client.clusters,
        client.provision_status,
        client.images,
        client.admin,
        client.sessions,
    ]

    assert all(namespace._client is client for namespace in namespaces)


async def test_pw_client_fixture(pw_client: Client, pw_emulator: Emulator) -> None:
    """The pytest plugin's pw_client talks to pw_emulator as its admin."""
    user = await pw_client.auth.whoami()

    assert user == pw_emulator.user
    assert pw_client.base_url == pw_emulator.url
