"""Odd values from the user: each fails with the SDK's own error and sends nothing."""

from __future__ import annotations

import base64
import json

import pytest

from pwasync import Client, InvalidCursorError

from ._scripted import API_KEY, scripted

pytestmark = pytest.mark.anyio

_CURSOR = {"v": 1, "type": "provision", "infra_id": "inf-1", "finished": False, "steps": []}


@pytest.mark.parametrize(
    ("cursor", "message"),
    [
        ("[" * 100_000, "not valid JSON"),
        ('{"v":1,"type":"provision","steps":' + "[" * 100_000, "not valid JSON"),
        (json.dumps({**_CURSOR, "v": True}), "unsupported version True"),
        (json.dumps({**_CURSOR, "v": 1.0}), "unsupported version 1.0"),
    ],
    ids=["deep", "deep-inside", "version-true", "version-float"],
)
async def test_odd_cursor_rejected(cursor: str, message: str) -> None:
    """A deeply nested or wrongly typed cursor raises InvalidCursorError before any request."""
    async with scripted([[]]) as server, Client(api_key=API_KEY, base_url=server.url) as pw:
        with pytest.raises(InvalidCursorError, match=message):
            pw.provision_status.watch("acme", "inf-1", cursor=cursor)

    assert server.requests == 0


def test_deeply_nested_token_payload_rejected() -> None:
    """A token whose payload nests too deeply to decode is one without a host."""
    payload = base64.urlsafe_b64encode(b"[" * 100_000).decode().rstrip("=")

    with pytest.raises(ValueError, match="the credential encodes no host"):
        Client(token=f"eyJhbGciOiJub25lIn0.{payload}.signature")


async def test_async_on_poll_rejected() -> None:
    """An async on_poll, which would be called without await and never run, is a TypeError."""

    async def on_poll(snapshot: object) -> None:
        return None

    async with scripted([[]]) as server, Client(api_key=API_KEY, base_url=server.url) as pw:
        with pytest.raises(TypeError, match="on_poll must be a plain function"):
            pw.provision_status.watch("acme", "inf-1", on_poll=on_poll)
        with pytest.raises(TypeError, match="on_poll must be a plain function"):
            await pw.provision_status.wait("acme", "inf-1", on_poll=on_poll)

    assert server.requests == 0
