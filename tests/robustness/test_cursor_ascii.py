"""Watch cursors are ASCII, so they can be stored as UTF-8 whatever the ids contain."""

from __future__ import annotations

import json

import pytest

from pwasync import Client, ProvisionEvent, RetryPolicy

from ._scripted import API_KEY, scripted, step

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)
# A JSON escape of a lone surrogate decodes to a str that strict UTF-8 rejects.
ODD_ID = "étape-\ud800-步骤"


async def _events(url: str, cursor: str | None = None) -> list[ProvisionEvent]:
    async with Client(api_key=API_KEY, base_url=url, retry=FAST) as pw:
        watch = pw.provision_status.watch(
            "acme", "inf-1", interval=0.01, max_interval=0.02, timeout=5, cursor=cursor
        )
        async with watch as events:
            return [event async for event in events]


async def test_cursor_ascii_with_odd_step_id() -> None:
    """A cursor naming a non-ASCII step id is ASCII, survives UTF-8 and resumes exactly."""
    replies = [
        [step(0, ODD_ID, "provisioning", "boot\n")],
        [step(0, ODD_ID, "provisioned", "boot\n")],
    ]
    async with scripted(replies) as server:
        first = await _events(server.url)

    cursor = first[1].cursor
    stored = cursor.encode("utf-8").decode("utf-8")
    async with scripted(replies[1:]) as server:
        resumed = await _events(server.url, cursor=stored)

    assert cursor.isascii()
    assert [event.kind.value for event in resumed] == ["status_changed", "finished"]
    assert resumed[0].step is not None
    assert resumed[0].step.id == ODD_ID


async def test_unescaped_cursor_still_decodes() -> None:
    """A cursor written with non-ASCII characters unescaped resumes as before."""
    replies = [
        [step(0, "étape-步骤", "provisioning", "boot\n")],
        [step(0, "étape-步骤", "provisioned", "boot\n")],
    ]
    async with scripted(replies) as server:
        first = await _events(server.url)
    old_cursor = json.dumps(json.loads(first[1].cursor), ensure_ascii=False)

    async with scripted(replies[1:]) as server:
        resumed = await _events(server.url, cursor=old_cursor)

    assert not old_cursor.isascii()
    assert [event.kind.value for event in resumed] == ["status_changed", "finished"]
