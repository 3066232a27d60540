"""``pw.organizations``: organization settings."""

from __future__ import annotations

from pwasync._converter import Decoder
from pwasync.models.organizations import AuthMethod
from pwasync.resources._base import Resource, check_bool, check_str, compact

__all__ = ["Organizations"]

_AUTH_METHOD: Decoder[AuthMethod] = Decoder(AuthMethod)


class Organizations(Resource):
    """Operations on an organization; they need an organization admin."""

    async def create_oidc_auth_method(
        self,
        org: str,
        *,
        name: str,
        client_id: str,
        client_secret: str | None = None,
        issuer: str | None = None,
        discover_endpoints: bool | None = None,
        authorization_endpoint: str | None = None,
        token_endpoint: str | None = None,
        userinfo_endpoint: str | None = None,
        scopes: str | None = None,
    ) -> AuthMethod:
        """Add an OIDC login method to ``org``; ``scopes`` is space-separated."""
        check_str("name", name)
        check_str("client_id", client_id)
        for label, value in (
            ("client_secret", client_secret),
            ("issuer", issuer),
            ("authorization_endpoint", authorization_endpoint),
            ("token_endpoint", token_endpoint),
            ("userinfo_endpoint", userinfo_endpoint),
            ("scopes", scopes),
        ):
            check_str(label, value, optional=True)
        check_bool("discover_endpoints", discover_endpoints, optional=True)
        body = compact(
            name=name,
            clientId=client_id,
            clientSecret=client_secret,
            issuer=issuer,
            discoverEndpoints=discover_endpoints,
            authorizationEndpoint=authorization_endpoint,
            tokenEndpoint=token_endpoint,
            userinfoEndpoint=userinfo_endpoint,
            scopes=scopes,
        )
        return await self._transport.request(
            "organizations.create_oidc_auth_method", (org,), json_body=body, decoder=_AUTH_METHOD
        )
