"""ai_chats.watch and wait_until_ingested against the emulator."""

from __future__ import annotations

import pytest

from pwasync import AIChat, AIChatEvent, AIChatEventKind, Client, NotFoundError, WaitTimeout
from pwasync.testing import Emulator

pytestmark = pytest.mark.anyio

FAST = {"interval": 0.005, "max_interval": 0.02}


async def test_chat_provisions_then_ingests_bucket(emulator: Emulator, pw: Client) -> None:
    """Create a chat, wait until it is provisioned, attach a bucket, wait until ingested."""
    org, namespace = emulator.org, emulator.user
    await pw.ai_chats.create(org, namespace, name="helper", csp="aws")
    seen: list[AIChatEvent] = []

    async with pw.ai_chats.watch(org, namespace, "helper", timeout=10, **FAST) as events:  # type: ignore[arg-type]
        async for event in events:
            seen.append(event)
            if event.chat.ready:
                break
    await pw.ai_chats.attach_bucket(org, namespace, "helper", "bucket-1")
    right_after_attach = await pw.ai_chats.get(org, namespace, "helper")
    chat = await pw.ai_chats.wait_until_ingested(org, namespace, "helper", timeout=10, **FAST)  # type: ignore[arg-type]

    assert seen[0].kind is AIChatEventKind.OBSERVED
    assert seen[0].chat.currently_provisioning
    assert seen[-1].kind is AIChatEventKind.CHANGED
    assert "provisioned" in seen[-1].changed
    assert right_after_attach.ingested is False
    assert isinstance(chat, AIChat)
    assert chat.ready
    assert chat.ingested


async def test_chat_watch_resumes_from_cursor(emulator: Emulator, pw: Client) -> None:
    """A chat watch resumed from a cursor reports only changes after that event."""
    org, namespace = emulator.org, emulator.user
    await pw.ai_chats.create(org, namespace, name="resume", csp="aws")
    await pw.ai_chats.wait_until_ingested(org, namespace, "resume", timeout=10, **FAST)  # type: ignore[arg-type]
    first = await pw.ai_chats.watch(org, namespace, "resume", **FAST).__anext__()  # type: ignore[arg-type]

    await pw.ai_chats.reindex(org, namespace, "resume")
    stream = pw.ai_chats.watch(org, namespace, "resume", cursor=first.cursor, **FAST)  # type: ignore[arg-type]
    async with stream as events:
        change = await events.__anext__()

    assert first.kind is AIChatEventKind.OBSERVED
    assert change.kind is AIChatEventKind.CHANGED
    assert change.changed == ("ingested",)
    assert change.previous is not None
    assert change.previous.ingested is True
    assert change.chat.ingested is False


async def test_wait_for_missing_chat_raises(emulator: Emulator, pw: Client) -> None:
    """Waiting for a chat that does not exist raises NotFoundError."""

    with pytest.raises(NotFoundError):
        await pw.ai_chats.wait_until_ingested(emulator.org, emulator.user, "nope", **FAST)  # type: ignore[arg-type]


async def test_wait_until_ingested_times_out(emulator: Emulator, pw: Client) -> None:
    """wait_until_ingested raises WaitTimeout carrying the last chat when time runs out."""
    org, namespace = emulator.org, emulator.user
    await pw.ai_chats.create(org, namespace, name="late", csp="aws")

    with pytest.raises(WaitTimeout) as caught:
        await pw.ai_chats.wait_until_ingested(org, namespace, "late", timeout=0.01, **FAST)  # type: ignore[arg-type]

    assert isinstance(caught.value.last, AIChat) or caught.value.last is None
