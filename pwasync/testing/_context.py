"""What a handler sees of one request: the caller, path parameters and permission checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
from aiohttp import web

from pwasync._routes import Route
from pwasync.testing._oidc import SigningKey
from pwasync.testing._state import Platform, User
from pwasync.testing._wire import Body, forbidden, parse_json_object

__all__ = ["Context", "Handler", "Server"]

# Operations anyone may call without credentials, as OIDC discovery requires.
PUBLIC_OPERATIONS = frozenset({"auth.openid_configuration", "auth.list_keys"})


@attrs.define
class Server:
    """Settings and state shared by every request of one emulator."""

    platform: Platform
    routes: Mapping[str, Route]
    key: SigningKey
    wrap_responses: bool
    base_url: str = ""

    def url_for(self, operation: str, **params: str) -> str:
        return self.base_url + self.routes[operation].path.format(**params)

    @property
    def issuer(self) -> str:
        """The OIDC issuer: the discovery document's URL without its well-known suffix."""
        suffix = "/.well-known/openid-configuration"
        path = self.routes["auth.openid_configuration"].path
        return self.base_url + (path[: -len(suffix)] if path.endswith(suffix) else "")

    def wrap(self, struct: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Wrap ``obj`` in a key named after its Go struct when the server is set to."""
        return {struct: obj} if self.wrap_responses else obj


@attrs.define
class Context:
    """One request: the raw request, its decoded path parameters and its caller."""

    server: Server
    request: web.Request
    params: dict[str, str]
    caller: User | None

    @property
    def platform(self) -> Platform:
        return self.server.platform

    @property
    def user(self) -> User:
        """The authenticated caller; every non-public operation has one."""
        assert self.caller is not None, "public operations have no caller"
        return self.caller

    async def body(self, *, required: bool = True) -> Body:
        raw = await self.request.read()
        return Body(parse_json_object(raw, required=required))

    async def raw_json(self) -> dict[str, Any]:
        return parse_json_object(await self.request.read())

    def require_org(self, org: str) -> None:
        """Allow only the caller's own organization (403 otherwise)."""
        if org != self.user.org:
            raise forbidden(
                f"user {self.user.name!r} belongs to organization {self.user.org!r}, not {org!r}"
            )

    def require_namespace(self, namespace: str) -> None:
        """Allow only the caller's own namespace (403 otherwise)."""
        if namespace != self.user.name:
            raise forbidden(
                f"user {self.user.name!r} may not act in namespace {namespace!r}; "
                "a namespace belongs to the user of that name"
            )

    def require_platform_admin(self) -> None:
        if not self.user.platform_admin:
            raise forbidden(f"user {self.user.name!r} is not a platform admin")

    def require_org_admin(self) -> None:
        if not self.user.org_admin:
            raise forbidden(
                f"user {self.user.name!r} is not an admin of organization {self.user.org!r}"
            )


Handler = Callable[[Context], Awaitable[web.StreamResponse]]
