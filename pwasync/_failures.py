"""Mapping of failed attempts to the pwasync exception tree.

A failed attempt is an exception raised while sending or reading, or a
non-2xx reply. ``transport_error`` maps the first and reports how far the
request got. ``api_error`` maps the second from a JSON error envelope or from
any other body. aiohttp's own messages are never reused, because some contain
the URL, and a server's message is shown with the client's credential
replaced, because some servers repeat the credential they rejected.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

import aiohttp
from multidict import CIMultiDictProxy

from pwasync._errors import (
    APIError,
    ConnectError,
    PWAsyncError,
    RateLimitError,
    RequestTimeout,
    ResponseTooLargeError,
    TransportError,
    error_class_for_status,
)

if TYPE_CHECKING:
    from pwasync._transport import CompiledRoute

__all__ = [
    "FINAL",
    "MAYBE_SENT",
    "NOT_SENT",
    "BodyTooLarge",
    "api_error",
    "describe",
    "secret_forms",
    "transport_error",
]

_MESSAGE_LIMIT = 500
_REDACTED = "[redacted]"
# Shorter parts of a credential could match ordinary words of a message.
_MIN_SECRET_LENGTH = 8

# Whether a failed attempt may be retried: the request never reached the
# server, may have reached it, or retrying cannot help.
NOT_SENT, MAYBE_SENT, FINAL = 0, 1, 2


class BodyTooLarge(Exception):
    """The body being read exceeds the client's limit; ``length`` is None when unknown."""

    def __init__(self, limit: int, length: int | None) -> None:
        super().__init__(limit, length)
        self.limit = limit
        self.length = length


def transport_error(
    exc: BaseException, route: CompiledRoute, timeout: float | None
) -> tuple[PWAsyncError, int]:
    """Map an exception of an attempt to a ``pwasync`` error and how far the request got."""
    where = f"{route.method} {route.template}"
    method, path = route.method, route.template
    if isinstance(exc, BodyTooLarge):
        size = f"{exc.length} bytes" if exc.length is not None else "more"
        message = (
            f"{where} failed: the response has {size}, over the client's limit of "
            f"{exc.limit} bytes; raise max_response_bytes if this response is expected"
        )
        return ResponseTooLargeError(message, method=method, path=path), FINAL
    if isinstance(exc, asyncio.TimeoutError):
        limit = f" after {timeout:g} s" if timeout else ""
        return RequestTimeout(f"{where} timed out{limit}", method=method, path=path), MAYBE_SENT
    if isinstance(exc, (aiohttp.ClientSSLError, aiohttp.ServerFingerprintMismatch)):
        message = f"{where} failed: the TLS connection could not be verified ({type(exc).__name__})"
        return ConnectError(message, method=method, path=path), FINAL
    if isinstance(exc, aiohttp.ClientConnectorError):
        reason = exc.os_error.strerror or type(exc.os_error).__name__
        message = f"{where} failed: cannot connect to {exc.host}:{exc.port} ({reason})"
        return ConnectError(message, method=method, path=path), NOT_SENT
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        message = f"{where} failed: the server closed the connection without a response"
        return ConnectError(message, method=method, path=path), MAYBE_SENT
    if isinstance(exc, aiohttp.ClientOSError):
        reason = exc.strerror or type(exc).__name__
        message = f"{where} failed: the connection broke ({reason})"
        return ConnectError(message, method=method, path=path), MAYBE_SENT
    if isinstance(exc, aiohttp.ClientPayloadError):
        message = f"{where} failed: the response body was cut short"
        return ConnectError(message, method=method, path=path), MAYBE_SENT
    message = f"{where} failed: {type(exc).__name__}"
    return TransportError(message, method=method, path=path), MAYBE_SENT


def secret_forms(authorization: str) -> tuple[str, ...]:
    """Return the texts that reveal the credential of an ``Authorization`` value, longest first.

    They are the header value, the credential in it, and for HTTP Basic the
    decoded API key and its secret part after the first dot.
    """
    scheme, _, credential = authorization.partition(" ")
    forms = {authorization, credential}
    if scheme.lower() == "basic":
        try:
            api_key = base64.b64decode(credential, validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            api_key = ""
        forms |= {api_key, api_key.partition(".")[2]}
    long_enough = [form for form in forms if len(form) >= _MIN_SECRET_LENGTH]
    return tuple(sorted(long_enough, key=len, reverse=True))


def _redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, _REDACTED)
    return text


def api_error(
    route: CompiledRoute,
    status: int,
    reason: str,
    headers: CIMultiDictProxy[str],
    body: bytes,
    request_id: str,
    retry_after: float | None,
    secrets: tuple[str, ...] = (),
) -> APIError:
    """Build the exception for a non-2xx reply from a JSON error envelope or any other body.

    Each of ``secrets`` is replaced in the server's message and code.
    """
    message, code = _error_message(status, reason, headers, body, secrets)
    error_class = error_class_for_status(status)
    common: dict[str, Any] = {
        "status": status,
        "method": route.method,
        "path": route.template,
        "request_id": request_id,
        "code": code,
        "body": body,
    }
    if error_class is RateLimitError:
        return RateLimitError(message, retry_after=retry_after, **common)
    return error_class(message, **common)


def _error_message(
    status: int,
    reason: str,
    headers: CIMultiDictProxy[str],
    body: bytes,
    secrets: tuple[str, ...],
) -> tuple[str, str | None]:
    reason = _redact(reason, secrets) or "error"
    if 300 <= status < 400:
        return f"{reason}: unexpected redirect, which the client does not follow", None
    if not body.strip():
        return reason, None
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError):
        envelope = None
    if isinstance(envelope, dict):
        message = envelope.get("message")
        code = envelope.get("code")
        text = message if isinstance(message, str) and message else reason
        # Redacted before it is cut, so that no part of a secret is left at the cut.
        text = _redact(text, secrets)
        if len(text) > _MESSAGE_LIMIT:
            text = text[:_MESSAGE_LIMIT] + "..."
        if not isinstance(code, (str, int)) or code == "":
            return text, None
        return text, _redact(str(code), secrets)
    content_type = headers.get("Content-Type", "").split(";", 1)[0].strip() or "a body"
    return f"{reason} (the server sent {content_type} of {len(body)} bytes, not a JSON error)", None


def describe(error: PWAsyncError) -> str:
    if isinstance(error, APIError):
        return f"{error.status} {type(error).__name__}"
    return type(error).__name__
