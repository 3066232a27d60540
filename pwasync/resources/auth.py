"""``pw.auth``: identity, OIDC login and tokens, and the platform's public keys."""

from __future__ import annotations

from pwasync._converter import Decoder
from pwasync.models.auth import JWKSet, OpenIDConfiguration
from pwasync.resources._base import Resource, check_str

__all__ = ["Auth"]

_STRING: Decoder[str] = Decoder(str)
_OPENID_CONFIGURATION: Decoder[OpenIDConfiguration] = Decoder(OpenIDConfiguration)
_KEYS: Decoder[JWKSet] = Decoder(JWKSet)


def _query(query: dict[str, str]) -> dict[str, str]:
    for name, value in query.items():
        check_str(f"query parameter {name}", value)
    return query


class Auth(Resource):
    """Operations on the caller's identity and on OIDC."""

    async def oidc_callback(self, **query: str) -> None:
        """Complete an OIDC login with the provider's query parameters (``code``, ``state``)."""
        await self._transport.request(
            "auth.oidc_callback", query=_query(query), accept_redirect=True
        )

    async def oidc_redirect_url(self, auth_id: str) -> str:
        """Return the identity provider's login URL for an auth method, without following it."""
        return await self._transport.redirect_location("auth.oidc_redirect", (auth_id,))

    async def oidc_token(self) -> str:
        """Return a signed OIDC token (a JWT) for the caller."""
        return await self._transport.request("auth.oidc_token", decoder=_STRING)

    async def workflow_oidc_token(self, **query: str) -> str:
        """Return an OIDC token for a workflow run, described by query parameters."""
        return await self._transport.request(
            "auth.workflow_oidc_token", query=_query(query), decoder=_STRING
        )

    async def whoami(self) -> str:
        """Return the caller's user name."""
        return await self._transport.request("auth.whoami", decoder=_STRING)

    async def whoami_organization(self) -> str:
        """Return the name of the caller's organization."""
        return await self._transport.request("auth.whoami_organization", decoder=_STRING)

    async def openid_configuration(self) -> OpenIDConfiguration:
        """Return the OpenID provider metadata of the platform; needs no credential."""
        return await self._transport.request(
            "auth.openid_configuration", decoder=_OPENID_CONFIGURATION
        )

    async def list_keys(self) -> JWKSet:
        """Return the public keys that verify the platform's tokens; needs no credential."""
        return await self._transport.request("auth.list_keys", decoder=_KEYS)
