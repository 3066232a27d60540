"""Watchers of provisioning runs and AI Chats, and the waits built on them.

The resource namespaces call these with a ``fetch`` function that polls once
through the client, so this module depends on no client internals.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pwasync._changes import ChatTracker, ProvisionTracker
from pwasync._cursor import decode_chat_cursor, decode_provision_cursor
from pwasync._errors import ProvisioningFailed
from pwasync._retry import RetryPolicy
from pwasync._watch import WatchStream
from pwasync.models.ai_chats import AIChat
from pwasync.models.events import AIChatEvent, ProvisionEvent, ProvisionEventKind
from pwasync.models.provisioning import ProvisionOutcome, ProvisionSnapshot

__all__ = [
    "DEFAULT_INTERVAL",
    "DEFAULT_MAX_INTERVAL",
    "DEFAULT_WAIT_TIMEOUT",
    "wait_for_ingestion",
    "wait_for_provisioning",
    "watch_chat",
    "watch_provisioning",
]

DEFAULT_INTERVAL = 2.0
DEFAULT_MAX_INTERVAL = 30.0
# Waits give up after an hour unless the caller passes another timeout or None.
DEFAULT_WAIT_TIMEOUT = 3600.0


def check_name(label: str, value: object) -> str:
    """Return ``value`` if it is a non-empty string; raise ``TypeError`` or ``ValueError``."""
    if not isinstance(value, str):
        raise TypeError(f"{label} must be a string, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{label} must not be empty")
    return value


def watch_provisioning(
    fetch: Callable[[], Awaitable[ProvisionSnapshot]],
    infra_id: str,
    *,
    retry: RetryPolicy,
    interval: float = DEFAULT_INTERVAL,
    max_interval: float = DEFAULT_MAX_INTERVAL,
    timeout: float | None = None,
    cursor: str | None = None,
    on_poll: Callable[[ProvisionSnapshot], object] | None = None,
) -> WatchStream[ProvisionEvent]:
    """Return a stream of the changes of provisioning run ``infra_id``.

    Raises ``InvalidCursorError`` at once for a malformed cursor, one of
    another version, or one of another run.
    """
    check_name("infra_id", infra_id)
    mark = decode_provision_cursor(cursor, infra_id) if cursor is not None else None
    return WatchStream(
        fetch=fetch,
        tracker=ProvisionTracker(infra_id, mark),
        retry=retry,
        description=f"provisioning run {infra_id!r}",
        interval=interval,
        max_interval=max_interval,
        timeout=timeout,
        on_poll=on_poll,
    )


async def wait_for_provisioning(
    fetch: Callable[[], Awaitable[ProvisionSnapshot]],
    infra_id: str,
    *,
    retry: RetryPolicy,
    timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    interval: float = DEFAULT_INTERVAL,
    max_interval: float = DEFAULT_MAX_INTERVAL,
    on_poll: Callable[[ProvisionSnapshot], object] | None = None,
) -> ProvisionSnapshot:
    """Wait for run ``infra_id`` to finish and return its final snapshot.

    Raises ``ProvisioningFailed`` when the run failed, ``WaitTimeout`` when
    ``timeout`` passes first, and whatever error ends the watch.
    """
    stream = watch_provisioning(
        fetch,
        infra_id,
        retry=retry,
        interval=interval,
        max_interval=max_interval,
        timeout=timeout,
        on_poll=on_poll,
    )
    final: ProvisionSnapshot | None = None
    async with stream as events:
        async for event in events:
            if event.kind is ProvisionEventKind.FINISHED:
                final = event.snapshot
                break

    # A stream without a cursor always ends with `finished` unless it raises.
    assert final is not None
    if final.outcome is ProvisionOutcome.FAILED:
        raise ProvisioningFailed(final)
    return final


def watch_chat(
    fetch: Callable[[], Awaitable[AIChat]],
    org: str,
    namespace: str,
    name: str,
    *,
    retry: RetryPolicy,
    interval: float = DEFAULT_INTERVAL,
    max_interval: float = DEFAULT_MAX_INTERVAL,
    timeout: float | None = None,
    cursor: str | None = None,
    on_poll: Callable[[AIChat], object] | None = None,
) -> WatchStream[AIChatEvent]:
    """Return a stream of the state changes of an AI Chat, which never finishes by itself.

    Raises ``InvalidCursorError`` at once for a malformed cursor, one of
    another version, or one of another chat.
    """
    chat = (check_name("org", org), check_name("namespace", namespace), check_name("name", name))
    mark = decode_chat_cursor(cursor, chat) if cursor is not None else None
    return WatchStream(
        fetch=fetch,
        tracker=ChatTracker(chat, mark),
        retry=retry,
        description=f"AI Chat {namespace}/{name}",
        interval=interval,
        max_interval=max_interval,
        timeout=timeout,
        on_poll=on_poll,
    )


async def wait_for_ingestion(
    fetch: Callable[[], Awaitable[AIChat]],
    org: str,
    namespace: str,
    name: str,
    *,
    retry: RetryPolicy,
    timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    interval: float = DEFAULT_INTERVAL,
    max_interval: float = DEFAULT_MAX_INTERVAL,
    on_poll: Callable[[AIChat], object] | None = None,
) -> AIChat:
    """Wait until the AI Chat is ready (provisioned, not provisioning) and ingested; return it.

    Raises ``WaitTimeout`` when ``timeout`` passes first, and whatever error
    ends the watch, such as ``NotFoundError`` when the chat is deleted.
    """
    stream = watch_chat(
        fetch,
        org,
        namespace,
        name,
        retry=retry,
        interval=interval,
        max_interval=max_interval,
        timeout=timeout,
        on_poll=on_poll,
    )
    async with stream as events:
        async for event in events:
            if event.chat.ready and event.chat.ingested:
                return event.chat

    raise AssertionError("an AI Chat watch ended without an error")  # pragma: no cover
