"""Handlers of the AI Chat operations.

An AI Chat provisions for ``step_seconds`` after creation, then ingests its
documents for another ``step_seconds``. Attaching a bucket or reindexing sets
``ingested`` to false until one more simulated ingestion of ``step_seconds``
has run. State is computed from the monotonic clock when a chat is read, so no
background task is involved.
"""

from __future__ import annotations

import re

from aiohttp import web

from pwasync.testing._context import Context, Handler
from pwasync.testing._state import AIChat
from pwasync.testing._wire import bad_request, conflict, json_response, no_content, not_found

__all__ = ["CHAT_NAME", "CSPS", "HANDLERS"]

CSPS = frozenset({"aws", "azure", "google", "openstack", "oracle"})
CHAT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
# A Go duration such as "24h", "90m" or "1h30m", as the platform parses them.
_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")


def _scope(ctx: Context) -> tuple[str, str]:
    org, namespace = ctx.params["orgName"], ctx.params["namespace"]
    ctx.require_org(org)
    ctx.require_namespace(namespace)
    return org, namespace


def _chat(ctx: Context) -> AIChat:
    org, namespace = _scope(ctx)
    name = ctx.params["aiName"]
    chat = ctx.platform.ai_chats.get((org, namespace, name))
    if chat is None:
        raise not_found(f"AI Chat {name!r} not found in {org}/{namespace}")
    return chat


async def list_chats(ctx: Context) -> web.StreamResponse:
    org, namespace = _scope(ctx)
    now = ctx.platform.now()
    chats = [
        chat.to_wire(now)
        for (chat_org, chat_namespace, _), chat in sorted(ctx.platform.ai_chats.items())
        if (chat_org, chat_namespace) == (org, namespace)
    ]
    return json_response({"ai": chats})


async def create_chat(ctx: Context) -> web.StreamResponse:
    org, namespace = _scope(ctx)
    body = await ctx.body()
    name = body.string("name", required=True)
    assert name is not None
    if not CHAT_NAME.match(name):
        raise bad_request(
            f"field 'name' must be 1 to 63 letters, digits, '.', '_' or '-', "
            f"starting with a letter or digit; got {name!r}"
        )
    csp = body.choice("csp", CSPS, required=True)
    assert csp is not None
    variables = body.mapping("variables") or {}
    extra = {
        "description": body.string("description") or "",
        "tags": body.string("tags") or "",
        "team": body.string("team") or "",
        "baseInfraId": body.string("baseInfraId") or "",
    }
    if (org, namespace, name) in ctx.platform.ai_chats:
        raise conflict(f"AI Chat {name!r} already exists in {org}/{namespace}")
    chat = ctx.platform.add_ai_chat(org, namespace, name, csp, variables, **extra)
    return json_response(chat.to_wire(ctx.platform.now()), status=201)


async def get_chat(ctx: Context) -> web.StreamResponse:
    return json_response(_chat(ctx).to_wire(ctx.platform.now()))


async def delete_chat(ctx: Context) -> web.StreamResponse:
    chat = _chat(ctx)
    del ctx.platform.ai_chats[(chat.org, chat.namespace, chat.name)]
    return no_content()


async def reindex(ctx: Context) -> web.StreamResponse:
    chat = _chat(ctx)
    ctx.platform.start_ingestion(chat)
    return no_content()


async def attach_bucket(ctx: Context) -> web.StreamResponse:
    chat = _chat(ctx)
    body = await ctx.body(required=False)
    interval = body.string("refreshInterval")
    if interval is not None and not _DURATION.match(interval):
        raise bad_request(
            f"field 'refreshInterval' must be a duration such as '24h' or '1h30m', got {interval!r}"
        )
    chat.buckets[ctx.params["bucketId"]] = interval
    ctx.platform.start_ingestion(chat)
    return no_content()


def _attached(ctx: Context, chat: AIChat) -> str:
    bucket = ctx.params["bucketId"]
    if bucket not in chat.buckets:
        raise not_found(f"bucket {bucket!r} is not attached to AI Chat {chat.name!r}")
    return bucket


async def remove_bucket(ctx: Context) -> web.StreamResponse:
    chat = _chat(ctx)
    del chat.buckets[_attached(ctx, chat)]
    return no_content()


async def reindex_bucket(ctx: Context) -> web.StreamResponse:
    chat = _chat(ctx)
    _attached(ctx, chat)
    ctx.platform.start_ingestion(chat)
    return no_content()


HANDLERS: dict[str, Handler] = {
    "ai_chats.list": list_chats,
    "ai_chats.create": create_chat,
    "ai_chats.get": get_chat,
    "ai_chats.delete": delete_chat,
    "ai_chats.reindex": reindex,
    "ai_chats.attach_bucket": attach_bucket,
    "ai_chats.remove_bucket": remove_bucket,
    "ai_chats.reindex_bucket": reindex_bucket,
}
