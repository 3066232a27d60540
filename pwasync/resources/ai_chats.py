"""``pw.ai_chats``: AI Chat resources and the buckets they ingest."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pwasync._converter import Decoder, structure
from pwasync._errors import ResponseValidationError
from pwasync._watch import WatchStream
from pwasync._watchers import (
    DEFAULT_INTERVAL,
    DEFAULT_MAX_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    wait_for_ingestion,
    watch_chat,
)
from pwasync.models.ai_chats import AIChat
from pwasync.models.events import AIChatEvent
from pwasync.resources._base import Resource, check_str, compact

__all__ = ["AIChats"]


def _chat_list(data: Any) -> builtins.list[AIChat]:
    # The list arrives in an envelope, {"ai": [...]}; a bare list is accepted too.
    if isinstance(data, dict):
        if "ai" not in data:
            raise ResponseValidationError(
                'expected an object with an "ai" list', model="list[AIChat]"
            )
        data = data["ai"]
    return structure(data, builtins.list[AIChat])


_CHAT: Decoder[AIChat] = Decoder(AIChat)
_CHATS: Decoder[builtins.list[AIChat]] = Decoder(builtins.list[AIChat], hook=_chat_list)


def _duration(name: str, value: str | timedelta | None) -> str | None:
    if value is None or value.__class__ is str:
        return value
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        if seconds <= 0:
            raise ValueError(f"{name} must be positive, got {value}")
        return f"{seconds:g}s"
    raise TypeError(f"{name} must be a duration string such as '24h' or a timedelta")


class AIChats(Resource):
    """Operations on the AI Chats of a namespace (a user name) in an organization."""

    async def list(self, org: str, namespace: str) -> builtins.list[AIChat]:
        """Return the AI Chats in ``namespace``."""
        return await self._transport.request("ai_chats.list", (org, namespace), decoder=_CHATS)

    async def get(self, org: str, namespace: str, name: str) -> AIChat:
        """Return one AI Chat."""
        return await self._transport.request("ai_chats.get", (org, namespace, name), decoder=_CHAT)

    async def create(
        self,
        org: str,
        namespace: str,
        *,
        name: str,
        csp: str,
        base_infra_id: str | None = None,
        description: str | None = None,
        tags: str | None = None,
        team: str | None = None,
        variables: dict[str, Any] | None = None,
    ) -> AIChat:
        """Create an AI Chat; it then provisions, which ``get`` shows through ``ready``."""
        check_str("name", name)
        check_str("csp", csp)
        for label, value in (
            ("base_infra_id", base_infra_id),
            ("description", description),
            ("tags", tags),
            ("team", team),
        ):
            check_str(label, value, optional=True)
        if variables is not None and not isinstance(variables, dict):
            raise TypeError(f"variables must be a dict or None, got {type(variables).__name__}")
        body = compact(
            name=name,
            csp=csp,
            baseInfraId=base_infra_id,
            description=description,
            tags=tags,
            team=team,
            variables=variables,
        )
        return await self._transport.request(
            "ai_chats.create", (org, namespace), json_body=body, decoder=_CHAT
        )

    async def delete(self, org: str, namespace: str, name: str) -> None:
        """Delete an AI Chat."""
        await self._transport.request("ai_chats.delete", (org, namespace, name))

    async def reindex(self, org: str, namespace: str, name: str) -> None:
        """Reindex every bucket attached to an AI Chat; ``ingested`` turns false until done."""
        await self._transport.request("ai_chats.reindex", (org, namespace, name))

    async def attach_bucket(
        self,
        org: str,
        namespace: str,
        name: str,
        bucket_id: str,
        *,
        refresh_interval: str | timedelta | None = None,
    ) -> None:
        """Attach a bucket to an AI Chat, re-read every ``refresh_interval`` (such as ``"24h"``)."""
        interval = _duration("refresh_interval", refresh_interval)
        await self._transport.request(
            "ai_chats.attach_bucket",
            (org, namespace, name, bucket_id),
            json_body=compact(refreshInterval=interval),
        )

    async def remove_bucket(self, org: str, namespace: str, name: str, bucket_id: str) -> None:
        """Detach a bucket from an AI Chat."""
        await self._transport.request("ai_chats.remove_bucket", (org, namespace, name, bucket_id))

    async def reindex_bucket(self, org: str, namespace: str, name: str, bucket_id: str) -> None:
        """Reindex one attached bucket; ``ingested`` turns false until done."""
        await self._transport.request("ai_chats.reindex_bucket", (org, namespace, name, bucket_id))

    def watch(
        self,
        org: str,
        namespace: str,
        name: str,
        *,
        interval: float = DEFAULT_INTERVAL,
        max_interval: float = DEFAULT_MAX_INTERVAL,
        timeout: float | None = None,
        cursor: str | None = None,
        on_poll: Callable[[AIChat], object] | None = None,
    ) -> WatchStream[AIChatEvent]:
        """Stream the state changes of an AI Chat as ``AIChatEvent`` objects.

        The state is ``provisioned``, ``currently_provisioning`` and
        ``ingested``. The first event is ``observed`` (the state as first polled), then one
        ``changed`` event per poll in which any of the three differs. A chat
        has no final state, so the stream runs until the caller stops it,
        ``timeout`` passes (``WaitTimeout``) or the chat is deleted
        (``NotFoundError``). Polling, fault handling, ``cursor`` and
        ``on_poll`` work as in ``pw.provision_status.watch``.
        """
        return watch_chat(
            lambda: self.get(org, namespace, name),
            org,
            namespace,
            name,
            retry=self._client.retry_policy,
            interval=interval,
            max_interval=max_interval,
            timeout=timeout,
            cursor=cursor,
            on_poll=on_poll,
        )

    async def wait_until_ingested(
        self,
        org: str,
        namespace: str,
        name: str,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        interval: float = DEFAULT_INTERVAL,
        max_interval: float = DEFAULT_MAX_INTERVAL,
        on_poll: Callable[[AIChat], object] | None = None,
    ) -> AIChat:
        """Wait until an AI Chat is ready and has ingested its documents; return it.

        Ready means provisioned with no provisioning under way. Raises
        ``WaitTimeout`` when ``timeout`` seconds (an hour by default, ``None``
        for no limit) pass first, and ``NotFoundError`` if the chat is deleted.

        Call it after ``attach_bucket``, ``reindex`` or ``reindex_bucket``
        has returned: those operations set ``ingested`` to false before they
        respond, so the wait cannot mistake the previous ingestion for the new
        one. Started before them, it may return at once on the old state.
        """
        return await wait_for_ingestion(
            lambda: self.get(org, namespace, name),
            org,
            namespace,
            name,
            retry=self._client.retry_policy,
            timeout=timeout,
            interval=interval,
            max_interval=max_interval,
            on_poll=on_poll,
        )
