"""The AI Chat simulation: provisioning, then ingestion after attach and reindex."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from pwasync.testing import Emulator

pytestmark = pytest.mark.anyio


async def get_chat(http: aiohttp.ClientSession, path: str, headers: dict[str, str]) -> Any:
    async with http.get(path, headers=headers) as response:
        assert response.status == 200
        return await response.json()


async def wait_for(
    http: aiohttp.ClientSession, path: str, headers: dict[str, str], field: str
) -> list[Any]:
    """Poll until ``field`` is true and return every state seen."""
    seen = []
    for _ in range(200):
        chat = await get_chat(http, path, headers)
        seen.append(chat)
        if chat[field]:
            return seen
        await asyncio.sleep(0.01)
    raise AssertionError(f"{field} never became true; last state: {seen[-1]}")


async def test_chat_provisions_then_ingests(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """A new chat is provisioning, then provisioned, then ingested, in that order."""
    base = f"/api/organizations/{emu.org}/ai/{emu.user}"
    async with http.post(base, headers=admin, json={"name": "kb", "csp": "aws"}) as response:
        created = await response.json()

    provisioned = await wait_for(http, f"{base}/kb", admin, "provisioned")
    ingested = await wait_for(http, f"{base}/kb", admin, "ingested")

    assert created["currentlyProvisioning"] is True
    assert created["provisioned"] is False
    assert provisioned[-1]["currentlyProvisioning"] is False
    assert provisioned[-1]["provisionOutput"] != {}
    assert ingested[-1]["provisioned"] is True


@pytest.mark.parametrize("action", ["attach", "reindex", "reindex_bucket"])
@pytest.mark.pw_emulator(step_seconds=0.15)
async def test_ingestion_restarts_after_action(
    pw_emulator: Emulator, auth: Callable[[str], dict[str, str]], action: str
) -> None:
    """Attach, reindex and bucket reindex set ingested false until a new ingestion ran."""
    admin = auth(pw_emulator.api_key)
    base = f"/api/organizations/{pw_emulator.org}/ai/{pw_emulator.user}"
    paths = {
        "attach": f"{base}/kb/buckets/b2",
        "reindex": f"{base}/kb/reindex",
        "reindex_bucket": f"{base}/kb/buckets/b1/reindex",
    }
    async with aiohttp.ClientSession(pw_emulator.url) as http:
        async with http.post(base, headers=admin, json={"name": "kb", "csp": "aws"}):
            pass
        async with http.post(f"{base}/kb/buckets/b1", headers=admin, json={}):
            pass
        await wait_for(http, f"{base}/kb", admin, "ingested")

        async with http.post(paths[action], headers=admin) as response:
            status = response.status
        right_after = await get_chat(http, f"{base}/kb", admin)
        again = await wait_for(http, f"{base}/kb", admin, "ingested")

    assert status == 204
    assert right_after["ingested"] is False
    assert again[-1]["ingested"] is True


async def test_buckets_listed_and_removed(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """Attached buckets appear on the chat with their interval until removed."""
    base = f"/api/organizations/{emu.org}/ai/{emu.user}"
    async with http.post(base, headers=admin, json={"name": "kb", "csp": "oracle"}):
        pass

    async with http.post(
        f"{base}/kb/buckets/b1", headers=admin, json={"refreshInterval": "24h"}
    ) as response:
        attached = response.status
    with_bucket = await get_chat(http, f"{base}/kb", admin)
    async with http.delete(f"{base}/kb/buckets/b1", headers=admin) as response:
        removed = response.status
    without = await get_chat(http, f"{base}/kb", admin)

    assert attached == 204
    assert with_bucket["buckets"] == [{"id": "b1", "refreshInterval": "24h"}]
    assert removed == 204
    assert without["buckets"] == []


async def test_deleted_chat_gone(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """After delete, the chat is neither found nor listed."""
    base = f"/api/organizations/{emu.org}/ai/{emu.user}"
    async with http.post(base, headers=admin, json={"name": "kb", "csp": "aws"}):
        pass

    async with http.delete(f"{base}/kb", headers=admin) as response:
        deleted = response.status
    async with http.get(f"{base}/kb", headers=admin) as response:
        after = response.status
    async with http.get(base, headers=admin) as response:
        listed = await response.json()

    assert deleted == 204
    assert after == 404
    assert listed == {"ai": []}


async def test_add_ai_chat_with_bucket_ingests(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """`add_ai_chat` creates a chat with its bucket attached, which provisions then ingests."""
    created = emu.add_ai_chat(emu.org, emu.user, "docs", bucket_id="docs-bucket")
    path = f"/api/organizations/{emu.org}/ai/{emu.user}/docs"

    ingested = await wait_for(http, path, admin, "ingested")

    assert created["provisioned"] is False
    assert created["buckets"] == [{"id": "docs-bucket", "refreshInterval": None}]
    assert ingested[-1]["provisioned"] is True
    assert ingested[-1]["buckets"] == created["buckets"]


@pytest.mark.parametrize(
    ("name", "options", "fragment"),
    [
        ("has space", {}, "invalid AI Chat name 'has space'"),
        ("docs", {"csp": "nowhere"}, "invalid csp 'nowhere'"),
    ],
)
async def test_add_ai_chat_rejects_bad_input(
    emu: Emulator, name: str, options: dict[str, Any], fragment: str
) -> None:
    """`add_ai_chat` raises ValueError naming an invalid name or csp."""
    with pytest.raises(ValueError, match=fragment):
        emu.add_ai_chat(emu.org, emu.user, name, **options)


async def test_add_ai_chat_rejects_duplicate(emu: Emulator) -> None:
    """`add_ai_chat` raises ValueError for a chat that already exists."""
    emu.add_ai_chat(emu.org, emu.user, "docs")

    with pytest.raises(ValueError, match="already exists"):
        emu.add_ai_chat(emu.org, emu.user, "docs")
