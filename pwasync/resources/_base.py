"""The base class of the resource namespaces and their argument checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pwasync._client import Client

__all__ = ["Resource", "check_bool", "check_int", "check_str", "compact"]


class Resource:
    """A namespace of operations (``pw.sessions``, ``pw.images``...) bound to one client."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._transport = client._transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


def check_str(name: str, value: object, *, optional: bool = False) -> None:
    """Raise ``TypeError`` unless ``value`` is a string (or ``None`` when optional)."""
    if value.__class__ is str or (optional and value is None):
        return
    expected = "a string or None" if optional else "a string"
    raise TypeError(f"{name} must be {expected}, got {type(value).__name__}")


def check_bool(name: str, value: object, *, optional: bool = False) -> None:
    """Raise ``TypeError`` unless ``value`` is a bool (or ``None`` when optional)."""
    if isinstance(value, bool) or (optional and value is None):
        return
    expected = "True or False" + (" or None" if optional else "")
    raise TypeError(f"{name} must be {expected}, got {type(value).__name__}")


def check_int(name: str, value: object, *, optional: bool = False) -> None:
    """Raise ``TypeError`` unless ``value`` is an int (not a bool), or ``None`` when optional."""
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        expected = "an integer or None" if optional else "an integer"
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__}")


def compact(**fields: Any) -> dict[str, Any]:
    """Return the fields that are not ``None``, for request bodies and queries."""
    return {name: value for name, value in fields.items() if value is not None}
