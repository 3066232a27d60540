"""The route table: operation id -> HTTP method and path template.

Some paths of API 4.x are reconstructions (the published reference lists the
operations but not their URLs), so every route can be overridden per operation
with ``Client(routes={"sessions.get": "/api/..."})``. The emulator serves
whatever table it is given, so client and emulator stay in step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import attrs

__all__ = ["ROUTES", "Route", "build_routes"]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# The characters RFC 3986 allows in a path, and percent-escapes. A space, a
# control character, "?" or "#" would change the request line or the URL.
_PATH_CHARACTER = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2}")


@attrs.frozen
class Route:
    """One operation's HTTP method and path template, such as ``/api/sessions/{name}``."""

    operation: str
    method: str
    path: str

    @property
    def params(self) -> tuple[str, ...]:
        """Names of the path placeholders, in order."""
        return tuple(_PLACEHOLDER.findall(self.path))


def _route(operation: str, method: str, path: str) -> tuple[str, Route]:
    return operation, Route(operation, method, path)


_ORG_AI = "/api/organizations/{orgName}/ai/{namespace}"

ROUTES: Final[Mapping[str, Route]] = dict(
    [
        _route("auth.oidc_callback", "GET", "/api/auth/sso/oidc/callback"),
        _route("auth.oidc_redirect", "GET", "/api/auth/sso/oidc/redirect/{authID}"),
        _route("auth.oidc_token", "GET", "/api/auth/oidc/token"),
        _route("auth.workflow_oidc_token", "GET", "/api/auth/oidc/token/workflow"),
        _route("auth.whoami", "GET", "/api/auth/whoami"),
        _route("auth.whoami_organization", "GET", "/api/auth/whoami/organization"),
        _route("auth.openid_configuration", "GET", "/api/oidc/.well-known/openid-configuration"),
        _route("auth.list_keys", "GET", "/api/platform/keys"),
        _route(
            "organizations.create_oidc_auth_method",
            "POST",
            "/api/organizations/{orgName}/auth-methods/oidc",
        ),
        _route("ai_chats.list", "GET", _ORG_AI),
        _route("ai_chats.create", "POST", _ORG_AI),
        _route("ai_chats.get", "GET", _ORG_AI + "/{aiName}"),
        _route("ai_chats.delete", "DELETE", _ORG_AI + "/{aiName}"),
        _route("ai_chats.reindex", "POST", _ORG_AI + "/{aiName}/reindex"),
        _route("ai_chats.attach_bucket", "POST", _ORG_AI + "/{aiName}/buckets/{bucketId}"),
        _route("ai_chats.remove_bucket", "DELETE", _ORG_AI + "/{aiName}/buckets/{bucketId}"),
        _route(
            "ai_chats.reindex_bucket",
            "POST",
            _ORG_AI + "/{aiName}/buckets/{bucketId}/reindex",
        ),
        _route(
            "clusters.update_provision_status",
            "PATCH",
            "/api/organizations/{orgName}/clusters/{namespace}/{clusterName}"
            "/sessions/{sessionNumber}",
        ),
        _route(
            "provision_status.get", "GET", "/api/organizations/{orgName}/provisionstatus/{infraId}"
        ),
        _route("images.list", "GET", "/api/platform/images"),
        _route("images.create", "POST", "/api/platform/images"),
        _route("images.delete", "DELETE", "/api/platform/images/{name}"),
        _route("admin.get_license", "GET", "/api/platform/license"),
        _route("admin.update_license", "POST", "/api/platform/license"),
        _route("sessions.list", "GET", "/api/sessions"),
        _route("sessions.get", "GET", "/api/sessions/{namespace}/{name}"),
        _route("sessions.update", "PATCH", "/api/sessions/{namespace}/{name}"),
        _route("sessions.delete", "DELETE", "/api/sessions/{namespace}/{name}"),
        _route("sessions.update_access", "POST", "/api/sessions/{namespace}/{name}/access"),
    ]
)


def build_routes(overrides: Mapping[str, str] | None = None) -> dict[str, Route]:
    """Return the route table with ``overrides`` (operation id -> path template) applied.

    Raises ``TypeError`` when ``overrides`` is not a mapping. Raises
    ``ValueError`` for an unknown operation id, a path that does not start
    with ``/``, or a path with a character that RFC 3986 does not allow in a
    path (outside ``{placeholder}`` names). A path must also keep the default
    route's placeholders, because the SDK fills them by name.
    """
    if overrides is not None and not isinstance(overrides, Mapping):
        raise TypeError(
            "routes must be a mapping of operation id to path template, such as "
            f"{{'sessions.get': '/api/sessions/{{namespace}}/{{name}}'}}, "
            f"got {type(overrides).__name__}"
        )
    table = dict(ROUTES)
    for operation, path in (overrides or {}).items():
        default = ROUTES.get(operation)
        if default is None:
            known = ", ".join(sorted(ROUTES))
            raise ValueError(f"unknown operation id {operation!r} in routes; known ids: {known}")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(
                f"route for {operation!r} must be a path starting with '/', got {path!r}"
            )
        _check_path_characters(operation, path)
        override = Route(operation, default.method, path)
        if sorted(override.params) != sorted(default.params):
            raise ValueError(
                f"route for {operation!r} must use the placeholders "
                f"{sorted(default.params)}, got {sorted(override.params)} in {path!r}"
            )
        table[operation] = override
    return table


def _check_path_characters(operation: str, path: str) -> None:
    rest = _PATH_CHARACTER.sub("", _PLACEHOLDER.sub("", path))
    if rest:
        raise ValueError(
            f"route for {operation!r} contains {rest[0]!r}, which a URL path cannot "
            f"contain unencoded: {path!r}; write the character percent-encoded "
            "(a space as %20), or remove it"
        )
