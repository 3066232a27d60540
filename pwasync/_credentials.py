"""Credentials: the Authorization header, the platform host they encode, the environment.

API keys look like ``pwt_<base64url(host)>.<secret>``; JWTs carry the host in
their ``platform_host`` claim. The host decides where the credential is sent,
so it is checked to be a bare host name or address with an optional port.
No function here puts a credential into a message.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import os
import re
import unicodedata
from collections.abc import Mapping
from urllib.parse import urlsplit

import attrs

__all__ = [
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_PLATFORM_HOST",
    "ENV_TOKEN",
    "Credential",
    "EnvironmentSettings",
    "normalize_base_url",
    "read_environment",
]

ENV_API_KEY = "PW_API_KEY"
ENV_TOKEN = "PW_TOKEN"
ENV_PLATFORM_HOST = "PW_PLATFORM_HOST"
ENV_BASE_URL = "PW_BASE_URL"

_API_KEY_PREFIX = "pwt_"
# A host name or IPv4 address, or a bracketed IPv6 address, then an optional port.
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")
_PRINTABLE = re.compile(r"[\x21-\x7e]+")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _valid_host(host: str) -> str | None:
    return host if _HOST.fullmatch(host) else None


@attrs.frozen(repr=False)
class Credential:
    """An API key or a bearer token; its value never appears in ``repr``."""

    kind: str  # "api_key" or "token"
    _value: str = attrs.field(alias="value")

    @classmethod
    def from_arguments(cls, api_key: str | None, token: str | None) -> Credential:
        """Build the credential from the two exclusive ``Client`` arguments.

        Raises ``ValueError`` when both or neither are given, or when the value
        is empty or contains whitespace or control characters.
        """
        if api_key is not None and token is not None:
            raise ValueError("pass either api_key or token, not both")
        if api_key is None and token is None:
            raise ValueError(
                "no credential: pass api_key= or token=, or use Client.from_env() "
                f"with {ENV_API_KEY} (or {ENV_TOKEN}) set"
            )
        kind, value = ("api_key", api_key) if api_key is not None else ("token", token)
        if not isinstance(value, str):
            raise TypeError(f"{kind} must be a string, got {type(value).__name__}")
        if not _PRINTABLE.fullmatch(value):
            raise ValueError(
                f"{kind} is empty or contains whitespace or control characters; "
                "check for a stray newline or quote"
            )
        return cls(kind, value)

    def authorization(self) -> str:
        """Return the ``Authorization`` header value: Basic for a key, Bearer for a token."""
        if self.kind == "api_key":
            encoded = base64.b64encode(f"{self._value}:".encode()).decode("ascii")
            return f"Basic {encoded}"
        return f"Bearer {self._value}"

    def platform_host(self) -> str | None:
        """Return the platform host encoded in the credential, or ``None`` if it has none."""
        if self.kind == "api_key":
            return _host_from_api_key(self._value)
        return _host_from_jwt(self._value)

    def __repr__(self) -> str:
        return f"Credential(kind={self.kind!r}, value=<hidden>)"


def _host_from_api_key(key: str) -> str | None:
    if not key.startswith(_API_KEY_PREFIX) or "." not in key:
        return None
    encoded = key[len(_API_KEY_PREFIX) :].split(".", 1)[0]
    try:
        host = _b64url_decode(encoded).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    return _valid_host(host)


def _host_from_jwt(token: str) -> str | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(_b64url_decode(parts[1]))
    except (binascii.Error, ValueError, RecursionError):
        return None
    host = claims.get("platform_host") if isinstance(claims, dict) else None
    if not isinstance(host, str):
        return None
    # Some issuers put a URL in the claim rather than a bare host.
    if "://" in host:
        host = urlsplit(host).netloc
    return _valid_host(host)


def is_loopback(host: str) -> bool:
    """Return whether ``host`` (without port) names this machine."""
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalize_base_url(base_url: str, *, allow_insecure_http: bool) -> str:
    """Validate ``base_url`` and return it without a trailing slash.

    Raises ``ValueError`` unless it is an absolute http(s) URL without user
    info, query, fragment, whitespace or control characters. Spaces around
    it are stripped. Plain ``http`` to a host other than loopback also
    raises unless ``allow_insecure_http`` is true, because the credential
    would travel in clear text.
    """
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a string, got {type(base_url).__name__}")
    _check_url_characters(base_url.strip())
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url must be an absolute http:// or https:// URL, got {base_url!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError("base_url must not contain user info; pass the credential separately")
    if parts.query or parts.fragment:
        raise ValueError("base_url must not contain a query or a fragment")
    try:
        parts.port  # noqa: B018 (raises ValueError for an invalid port)
    except ValueError:
        raise ValueError(f"base_url has an invalid port: {base_url!r}") from None
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(parts.hostname):
        raise ValueError(
            f"base_url {base_url!r} uses plain http to a host that is not loopback, so the "
            "credential would be sent unencrypted; use https, or pass "
            "allow_insecure_http=True if the network is trusted"
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _check_url_characters(base_url: str) -> None:
    # urlsplit silently drops tabs and newlines, which changes the URL, and
    # keeps other control characters, which would reach the request line.
    for character in base_url:
        if character.isspace() or unicodedata.category(character) == "Cc":
            raise ValueError(
                f"base_url contains {character!r}, and a URL cannot contain whitespace or "
                f"control characters: {base_url!r}; remove it or percent-encode it"
            )


@attrs.frozen(repr=False)
class EnvironmentSettings:
    """Client settings read from the environment; the credential stays out of ``repr``."""

    api_key: str | None
    token: str | None
    base_url: str


def read_environment(environ: Mapping[str, str] | None = None) -> EnvironmentSettings:
    """Read the credential and base URL from ``PW_*`` environment variables.

    The credential is ``PW_API_KEY`` or ``PW_TOKEN``. The base URL is
    ``PW_BASE_URL`` if set, else ``https://`` plus ``PW_PLATFORM_HOST``, else
    ``https://`` plus the host encoded in the credential. Raises ``ValueError``
    naming the variables when a credential or a host is missing.
    """
    env = os.environ if environ is None else environ
    api_key = env.get(ENV_API_KEY) or None
    token = env.get(ENV_TOKEN) or None
    if api_key is None and token is None:
        raise ValueError(
            f"no credential in the environment: set {ENV_API_KEY} to an API key "
            f"(or {ENV_TOKEN} to a token)"
        )
    if api_key is not None and token is not None:
        raise ValueError(f"both {ENV_API_KEY} and {ENV_TOKEN} are set; unset one of them")
    base_url = env.get(ENV_BASE_URL) or None
    if base_url is None:
        host = env.get(ENV_PLATFORM_HOST) or None
        if host is not None:
            host = host.strip().rstrip("/")
            base_url = host if "://" in host else f"https://{host}"
        else:
            host = Credential.from_arguments(api_key, token).platform_host()
            if host is None:
                raise ValueError(
                    "cannot tell which platform to call: the credential encodes no host; "
                    f"set {ENV_PLATFORM_HOST} (a host name) or {ENV_BASE_URL} (a URL)"
                )
            base_url = f"https://{host}"
    return EnvironmentSettings(api_key=api_key, token=token, base_url=base_url)


def default_base_url(credential: Credential) -> str:
    """Return ``https://`` plus the host in the credential.

    Raises ``ValueError`` when the credential encodes no usable host.
    """
    host = credential.platform_host()
    if host is None:
        raise ValueError(
            "cannot tell which platform to call: the credential encodes no host; "
            f"pass base_url=, or use Client.from_env() with {ENV_PLATFORM_HOST} "
            f"or {ENV_BASE_URL} set"
        )
    return f"https://{host}"
