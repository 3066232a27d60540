"""Handlers of the session operations.

The owner of a session (the user its namespace is named after) may do
everything with it. A member of a team granted access with ``update_access``
may read and update it, but only the owner may delete it or change access.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pwasync.testing._context import Context, Handler
from pwasync.testing._state import Session, rfc3339
from pwasync.testing._wire import (
    bad_request,
    conflict,
    json_response,
    no_content,
    not_found,
)

__all__ = ["HANDLERS"]


def _visible(ctx: Context, session: Session) -> bool:
    if session.namespace == ctx.user.name:
        return True
    team = ctx.user.team
    same_org = session.fields.get("organization") == ctx.user.org
    return same_org and team is not None and team in session.teams


def _session(ctx: Context, *, owner_only: bool = False) -> Session:
    namespace, name = ctx.params["namespace"], ctx.params["name"]
    session = ctx.platform.sessions.get((namespace, name))
    if namespace != ctx.user.name:
        shared = session is not None and not owner_only and _visible(ctx, session)
        if not shared:
            ctx.require_namespace(namespace)
    if session is None:
        raise not_found(f"session {namespace}/{name} not found")
    return session


def _wire(ctx: Context, session: Session) -> dict[str, Any]:
    return ctx.server.wrap("BaseSessionResponse", dict(session.fields))


async def list_sessions(ctx: Context) -> web.StreamResponse:
    sessions = [
        dict(session.fields)
        for _, session in sorted(ctx.platform.sessions.items())
        if _visible(ctx, session)
    ]
    return json_response(sessions)


async def get_session(ctx: Context) -> web.StreamResponse:
    return json_response(_wire(ctx, _session(ctx)))


async def update_session(ctx: Context) -> web.StreamResponse:
    session = _session(ctx)
    body = await ctx.body()
    changes: dict[str, Any] = {
        "localPort": body.integer("localPort", minimum=0, maximum=65535),
        "remotePort": body.integer("remotePort", minimum=0, maximum=65535),
        "name": body.string("name", non_empty=True),
        "remoteHost": body.string("remoteHost"),
        "slug": body.string("slug"),
        "status": body.string("status", non_empty=True),
        "targetId": body.string("targetId"),
    }
    changes = {field: value for field, value in changes.items() if value is not None}
    new_name = changes.get("name")
    old_key = (session.namespace, session.fields["name"])
    if new_name is not None and new_name != old_key[1]:
        if "/" in new_name:
            raise bad_request(f"field 'name' must not contain '/', got {new_name!r}")
        if (session.namespace, new_name) in ctx.platform.sessions:
            raise conflict(f"session {session.namespace}/{new_name} already exists")
        del ctx.platform.sessions[old_key]
        ctx.platform.sessions[(session.namespace, new_name)] = session
    session.fields.update(changes)
    session.fields["updatedAt"] = rfc3339()
    return json_response(_wire(ctx, session))


async def delete_session(ctx: Context) -> web.StreamResponse:
    session = _session(ctx, owner_only=True)
    del ctx.platform.sessions[(session.namespace, session.fields["name"])]
    return no_content()


async def update_access(ctx: Context) -> web.StreamResponse:
    session = _session(ctx, owner_only=True)
    body = await ctx.body()
    access = body.boolean("access", required=True)
    team = body.string("teamId", required=True, non_empty=True)
    assert team is not None
    if team not in ctx.platform.teams.get(ctx.user.org, set()):
        raise not_found(f"team {team!r} not found in organization {ctx.user.org!r}")
    if access:
        session.teams.add(team)
    else:
        session.teams.discard(team)
    return no_content()


HANDLERS: dict[str, Handler] = {
    "sessions.list": list_sessions,
    "sessions.get": get_session,
    "sessions.update": update_session,
    "sessions.delete": delete_session,
    "sessions.update_access": update_access,
}
