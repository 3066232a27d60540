"""The emulator's OIDC signing key, its JWK set, and RS256 token signing.

PyJWT and cryptography come with the ``testing`` extra and are imported only
here, when the first emulator starts, so that importing ``pwasync.testing``
(and its pytest plugin) stays cheap and works without them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

__all__ = ["SigningKey", "signing_key"]

_MISSING_EXTRA = (
    "the pwasync emulator signs tokens with PyJWT and cryptography, which are missing; "
    "install them with: pip install 'pwasync[testing]'"
)


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class SigningKey:
    """An RSA key pair that signs RS256 JWTs and publishes its public JWK."""

    def __init__(self, private_key: RSAPrivateKey) -> None:
        numbers = private_key.public_key().public_numbers()
        self.private_key = private_key
        self.public_key = private_key.public_key()
        n, e = _b64url_uint(numbers.n), _b64url_uint(numbers.e)
        # RFC 7638 thumbprint: SHA-256 over the required members in lexical order.
        canonical = json.dumps({"e": e, "kty": "RSA", "n": n}, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode()).digest()
        self.kid = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        self.jwk: dict[str, str] = {
            "kty": "RSA",
            "kid": self.kid,
            "use": "sig",
            "alg": "RS256",
            "n": n,
            "e": e,
        }

    def sign(self, claims: Mapping[str, Any], *, expires_in: float = 3600.0) -> str:
        """Return an RS256 JWT with ``claims`` plus ``iat``, ``nbf`` and ``exp``."""
        import jwt

        now = int(time.time())
        payload = {"iat": now, "nbf": now, "exp": now + int(expires_in), **claims}
        return jwt.encode(payload, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def verify(self, token: str) -> dict[str, Any]:
        """Return the claims of a token this key signed; raise ``jwt.InvalidTokenError`` if not."""
        import jwt

        claims: dict[str, Any] = jwt.decode(
            token,
            self.public_key,
            algorithms=["RS256"],
            options={"verify_aud": False, "require": ["sub", "exp"]},
        )
        return claims


@functools.lru_cache(maxsize=1)
def signing_key() -> SigningKey:
    """Return the process-wide signing key, generating it on first use (about 0.1 s)."""
    try:
        import jwt  # noqa: F401  (checked here so a missing extra fails at start)
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError as exc:
        raise RuntimeError(_MISSING_EXTRA) from exc
    return SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=2048))
