"""Handlers of the authentication and organization operations."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from aiohttp import web

from pwasync.testing._context import Context, Handler
from pwasync.testing._state import AuthMethod
from pwasync.testing._wire import bad_request, conflict, json_response, no_content, not_found

__all__ = ["HANDLERS"]

_CLAIMS_SUPPORTED = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "platform_host",
    "org",
    "workflow",
    "run",
]


def _user_claims(ctx: Context) -> dict[str, object]:
    return {
        "iss": ctx.server.issuer,
        "sub": ctx.user.name,
        "org": ctx.user.org,
        "platform_host": ctx.platform.host,
    }


async def oidc_callback(ctx: Context) -> web.StreamResponse:
    query = ctx.request.query
    if "error" in query:
        raise bad_request(f"the identity provider returned an error: {query['error']}")
    for name in ("code", "state"):
        if not query.get(name):
            raise bad_request(f"missing required query parameter {name!r}")
    return no_content()


async def oidc_redirect(ctx: Context) -> web.StreamResponse:
    auth_id = ctx.params["authID"]
    method = ctx.platform.auth_methods.get(auth_id)
    if method is None or method.org != ctx.user.org:
        raise not_found(f"auth method {auth_id!r} not found in organization {ctx.user.org!r}")
    query = urlencode(
        {
            "response_type": "code",
            "client_id": method.client_id,
            "redirect_uri": ctx.server.url_for("auth.oidc_callback"),
            "scope": method.scopes,
            "state": secrets.token_urlsafe(16),
        }
    )
    separator = "&" if "?" in method.authorization_endpoint else "?"
    location = f"{method.authorization_endpoint}{separator}{query}"
    return web.Response(status=302, headers={"Location": location})


async def oidc_token(ctx: Context) -> web.StreamResponse:
    claims = {**_user_claims(ctx), "aud": ctx.server.base_url}
    return json_response(ctx.server.key.sign(claims))


async def workflow_oidc_token(ctx: Context) -> web.StreamResponse:
    query = ctx.request.query
    claims: dict[str, object] = {
        **_user_claims(ctx),
        "aud": query.get("audience") or ctx.server.base_url,
    }
    for name, value in query.items():
        if name != "audience":
            claims.setdefault(name, value)
    return json_response(ctx.server.key.sign(claims))


async def whoami(ctx: Context) -> web.StreamResponse:
    return json_response(ctx.user.name)


async def whoami_organization(ctx: Context) -> web.StreamResponse:
    return json_response(ctx.user.org)


async def openid_configuration(ctx: Context) -> web.StreamResponse:
    return json_response(
        {
            "issuer": ctx.server.issuer,
            "jwks_uri": ctx.server.url_for("auth.list_keys"),
            "claims_supported": _CLAIMS_SUPPORTED,
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["id_token"],
        }
    )


async def list_keys(ctx: Context) -> web.StreamResponse:
    return json_response({"keys": [ctx.server.key.jwk]})


async def create_oidc_auth_method(ctx: Context) -> web.StreamResponse:
    org = ctx.params["orgName"]
    ctx.require_org(org)
    ctx.require_org_admin()
    body = await ctx.body()
    fields = {
        name: body.string(name)
        for name in (
            "authorizationEndpoint",
            "clientId",
            "clientSecret",
            "issuer",
            "name",
            "scopes",
            "tokenEndpoint",
            "userinfoEndpoint",
        )
    }
    discover = body.boolean("discoverEndpoints") or False
    endpoint = fields["authorizationEndpoint"]
    if not endpoint and discover and fields["issuer"]:
        # The emulator reaches no other host, so discovery assumes the common path.
        endpoint = fields["issuer"].rstrip("/") + "/authorize"
    if not endpoint:
        raise bad_request(
            "missing required field 'authorizationEndpoint': it is required unless "
            "discoverEndpoints is true and issuer is set"
        )
    name = fields["name"] or "oidc"
    if any(m.org == org and m.name == name for m in ctx.platform.auth_methods.values()):
        raise conflict(f"auth method {name!r} already exists in organization {org!r}")
    method = AuthMethod(
        id=ctx.platform.new_id("am-"),
        org=org,
        name=name,
        authorization_endpoint=endpoint,
        client_id=fields["clientId"] or "",
        scopes=fields["scopes"] or "openid profile email",
    )
    ctx.platform.auth_methods[method.id] = method
    return json_response(ctx.server.wrap("AuthMethod", method.to_wire()))


HANDLERS: dict[str, Handler] = {
    "auth.oidc_callback": oidc_callback,
    "auth.oidc_redirect": oidc_redirect,
    "auth.oidc_token": oidc_token,
    "auth.workflow_oidc_token": workflow_oidc_token,
    "auth.whoami": whoami,
    "auth.whoami_organization": whoami_organization,
    "auth.openid_configuration": openid_configuration,
    "auth.list_keys": list_keys,
    "organizations.create_oidc_auth_method": create_oidc_auth_method,
}
