"""Bad request bodies sent to the emulator: a 400 naming the problem, never a 500."""

from __future__ import annotations

import base64

import aiohttp
import pytest

from pwasync.testing import Emulator

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"name":' * 50_000],
    ids=["arrays", "objects"],
)
async def test_deeply_nested_body_rejected(body: bytes) -> None:
    """A body nested too deeply to decode gets a 400 that says it is not valid JSON."""
    async with Emulator() as emulator, aiohttp.ClientSession() as session:
        basic = base64.b64encode(f"{emulator.api_key}:".encode()).decode()
        response = await session.post(
            f"{emulator.url}/api/platform/images",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Basic {basic}"},
        )
        async with response:
            status = response.status
            reply = await response.json()

    assert status == 400
    assert "not valid JSON" in reply["message"]
