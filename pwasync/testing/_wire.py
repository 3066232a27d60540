"""Wire helpers of the emulator: the error envelope, JSON responses and body checks."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

__all__ = [
    "Body",
    "WireError",
    "bad_request",
    "conflict",
    "envelope",
    "forbidden",
    "json_response",
    "no_content",
    "not_found",
    "parse_json_object",
    "unauthorized",
]


class WireError(Exception):
    """An HTTP error that the emulator sends in the platform's error envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})


def bad_request(message: str) -> WireError:
    return WireError(400, message, code="bad_request")


def unauthorized(message: str) -> WireError:
    return WireError(
        401,
        message,
        code="unauthorized",
        headers={"WWW-Authenticate": 'Basic realm="pwasync-emulator"'},
    )


def forbidden(message: str) -> WireError:
    return WireError(403, message, code="forbidden")


def not_found(message: str) -> WireError:
    return WireError(404, message, code="not_found")


def conflict(message: str) -> WireError:
    return WireError(409, message, code="conflict")


def envelope(
    status: int, message: str, code: str | None, headers: Mapping[str, str]
) -> web.Response:
    """Build the platform's error body ``{"error": true, "message": ..., "code": ...}``."""
    body: dict[str, Any] = {"error": True, "message": message}
    if code:
        body["code"] = code
    return web.json_response(body, status=status, headers=dict(headers))


def json_response(data: Any, *, status: int = 200) -> web.Response:
    """Send ``data`` as JSON, including a bare ``null`` body."""
    return web.Response(
        text=json.dumps(data, separators=(",", ":")),
        status=status,
        content_type="application/json",
    )


def no_content() -> web.Response:
    return web.Response(status=204)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def parse_json_object(raw: bytes, *, required: bool = True) -> dict[str, Any]:
    """Decode a request body that must be a JSON object.

    An empty body counts as ``{}`` when ``required`` is false. Raises
    ``WireError`` (400) for malformed JSON or a body that is not an object.
    """
    if not raw.strip():
        if required:
            raise bad_request("request body is missing: send a JSON object")
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise bad_request("request body is not valid JSON: it is nested too deeply") from None
    if not isinstance(value, dict):
        raise bad_request(f"request body must be a JSON object, got {_json_type(value)}")
    return value


class Body:
    """Typed access to the fields of a JSON object body.

    Every accessor raises ``WireError`` (400) whose message names the field by
    its dotted path, the expected type and the type that arrived. Unknown
    fields are ignored, as the platform ignores them.
    """

    def __init__(self, data: Mapping[str, Any], *, prefix: str = "") -> None:
        self._data = data
        self._prefix = prefix

    def _name(self, field: str) -> str:
        return f"{self._prefix}{field}"

    def _get(self, field: str, required: bool) -> Any:
        value = self._data.get(field)
        if value is None and required:
            raise bad_request(f"missing required field {self._name(field)!r}")
        return value

    def _wrong(self, field: str, expected: str, value: Any) -> WireError:
        return bad_request(
            f"field {self._name(field)!r} must be {expected}, got {_json_type(value)}"
        )

    def has(self, field: str) -> bool:
        return self._data.get(field) is not None

    def string(self, field: str, *, required: bool = False, non_empty: bool = False) -> str | None:
        value = self._get(field, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._wrong(field, "a string", value)
        if non_empty and not value.strip():
            raise bad_request(f"field {self._name(field)!r} must not be empty")
        return value

    def integer(
        self, field: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        value = self._get(field, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(field, "an integer", value)
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise bad_request(
                f"field {self._name(field)!r} must be between {minimum} and {maximum}, got {value}"
            )
        return value

    def boolean(self, field: str, *, required: bool = False) -> bool | None:
        value = self._get(field, required)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self._wrong(field, "a boolean", value)
        return value

    def mapping(self, field: str, *, required: bool = False) -> dict[str, Any] | None:
        value = self._get(field, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self._wrong(field, "an object", value)
        return value

    def nested(self, field: str) -> Body:
        """Return the required object ``field`` as a ``Body`` of its own."""
        value = self.mapping(field, required=True)
        assert value is not None
        return Body(value, prefix=f"{self._name(field)}.")

    def base64_text(self, field: str) -> str | None:
        """Decode the optional base64 string ``field`` to UTF-8 text."""
        value = self.string(field)
        if value is None:
            return None
        try:
            return base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise bad_request(
                f"field {self._name(field)!r} must be base64-encoded UTF-8 text"
            ) from None

    def choice(self, field: str, choices: frozenset[str], *, required: bool = False) -> str | None:
        value = self.string(field, required=required)
        if value is None:
            return None
        if value not in choices:
            raise bad_request(
                f"field {self._name(field)!r} must be one of {', '.join(sorted(choices))}; "
                f"got {value!r}"
            )
        return value
