"""Models of the platform's OpenID Connect discovery documents."""

from __future__ import annotations

import attrs

__all__ = ["JWK", "JWKSet", "OpenIDConfiguration"]


@attrs.frozen(kw_only=True, slots=False)
class OpenIDConfiguration:
    """The OpenID provider metadata that the platform publishes for its own tokens."""

    issuer: str
    jwks_uri: str
    claims_supported: tuple[str, ...] = ()
    id_token_signing_alg_values_supported: tuple[str, ...] = ()
    subject_types_supported: tuple[str, ...] = ()


@attrs.frozen(kw_only=True, slots=False)
class JWK:
    """A public JSON Web Key; ``n`` and ``e`` are the base64url RSA modulus and exponent."""

    kty: str
    kid: str | None = None
    use: str | None = None
    alg: str | None = None
    n: str | None = None
    e: str | None = None


@attrs.frozen(kw_only=True, slots=False)
class JWKSet:
    """The set of public keys that verify the platform's signed tokens."""

    keys: tuple[JWK, ...] = ()

    def get(self, kid: str) -> JWK | None:
        """Return the key with this key id, or ``None`` if the set has none."""
        for key in self.keys:
            if key.kid == kid:
                return key
        return None
