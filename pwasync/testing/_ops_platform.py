"""Handlers of the cluster, provision status, image and license operations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from aiohttp import web

from pwasync.testing._context import Context, Handler
from pwasync.testing._ops_ai_chats import CSPS
from pwasync.testing._provisioning import apply_update, parse_update
from pwasync.testing._state import rfc3339
from pwasync.testing._wire import bad_request, conflict, json_response, no_content, not_found

__all__ = ["HANDLERS"]

ARCHITECTURES = frozenset({"amd64", "arm64"})


async def update_provision_status(ctx: Context) -> web.StreamResponse:
    org, namespace = ctx.params["orgName"], ctx.params["namespace"]
    cluster, number = ctx.params["clusterName"], ctx.params["sessionNumber"]
    ctx.require_org(org)
    ctx.require_namespace(namespace)
    if not number.isdigit():
        raise bad_request(f"path parameter 'sessionNumber' must be an integer, got {number!r}")
    update = parse_update(await ctx.raw_json())
    session = ctx.platform.clusters.get((org, namespace, cluster, int(number)))
    if session is None:
        raise not_found(f"cluster session {org}/{namespace}/{cluster}/{number} not found")
    apply_update(session, update)
    return no_content()


async def get_provision_status(ctx: Context) -> web.StreamResponse:
    # The path names no namespace, so any member of the organization may read it.
    org, infra_id = ctx.params["orgName"], ctx.params["infraId"]
    ctx.require_org(org)
    session = ctx.platform.infra.get(infra_id)
    if session is None or session.org != org:
        raise not_found(f"provision status {infra_id!r} not found in organization {org!r}")
    return json_response(session.to_wire())


def _image_to_wire(ctx: Context, image: dict[str, object]) -> dict[str, object]:
    wire = dict(image)
    if ctx.server.wrap_responses:
        # The reference sample's spellings: a snake_case twin and a tag left in the key.
        wire["created_at"] = wire["createdAt"]
        wire["organization,omitempty"] = wire.pop("organization")
    return wire


async def list_images(ctx: Context) -> web.StreamResponse:
    query = ctx.request.query
    filters = {
        name: query[name] for name in ("csp", "architecture", "type", "region") if name in query
    }
    images = [
        _image_to_wire(ctx, image)
        for _, image in sorted(ctx.platform.images.items())
        if all(image.get(name) == value for name, value in filters.items())
    ]
    return json_response(images)


async def create_image(ctx: Context) -> web.StreamResponse:
    ctx.require_platform_admin()
    body = await ctx.body()
    name = body.string("name", required=True, non_empty=True)
    csp = body.choice("csp", CSPS, required=True)
    architecture = body.choice("architecture", ARCHITECTURES) or "amd64"
    assert name is not None
    assert csp is not None
    fields = {
        "cspId": body.string("cspId") or "",
        "region": body.string("region") or "",
        "type": body.string("type") or "compute",
        "published": bool(body.boolean("published")),
    }
    if name in ctx.platform.images:
        raise conflict(f"image {name!r} already exists; delete it first or pick another name")
    now = rfc3339()
    image: dict[str, object] = {
        "id": ctx.platform.new_id("img-"),
        "name": name,
        "architecture": architecture,
        "csp": csp,
        **fields,
        "latest": True,
        "createdAt": now,
        "updatedAt": now,
        "organization": ctx.user.org,
    }
    ctx.platform.images[name] = image
    return json_response(_image_to_wire(ctx, image), status=201)


async def delete_image(ctx: Context) -> web.StreamResponse:
    ctx.require_platform_admin()
    name = ctx.params["name"]
    if ctx.platform.images.pop(name, None) is None:
        raise not_found(f"image {name!r} not found")
    return no_content()


async def get_license(ctx: Context) -> web.StreamResponse:
    ctx.require_platform_admin()
    platform = ctx.platform
    return json_response({"license": platform.license, "expiration": platform.license_expiration})


async def update_license(ctx: Context) -> web.StreamResponse:
    ctx.require_platform_admin()
    body = await ctx.body()
    license_text = body.string("license", required=True, non_empty=True)
    assert license_text is not None
    ctx.platform.license = license_text
    expiration = datetime.now(timezone.utc) + timedelta(days=365)
    ctx.platform.license_expiration = rfc3339(expiration)
    return no_content()


HANDLERS: dict[str, Handler] = {
    "clusters.update_provision_status": update_provision_status,
    "provision_status.get": get_provision_status,
    "images.list": list_images,
    "images.create": create_image,
    "images.delete": delete_image,
    "admin.get_license": get_license,
    "admin.update_license": update_license,
}
