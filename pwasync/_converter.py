"""The one cattrs converter that turns decoded JSON into pwasync models.

Every structuring hook is registered here, on a private converter; the global
cattrs converter is never touched. The wire conventions it implements:

- camelCase wire names for snake_case attributes, except the OpenID documents,
  whose names are snake_case by the OpenID standard;
- RFC 3339 times (a trailing ``Z``, any number of fractional digits, and an
  empty string for "no time" in optional fields);
- some objects arrive wrapped in a key named after a server struct
  (``{"BaseSessionResponse": {...}}``) or flat: both are accepted;
- unknown fields are ignored; a missing or ``null`` field takes the
  attribute's default, so ``null`` for a list means an empty one;
- strict primitive types: ``"true"`` is not a bool and ``5`` is not a string.

Any failure surfaces as ``ResponseValidationError`` naming the model and the
field, with the raw body kept on the exception.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Generic, Optional, TypeVar, get_args, get_origin

import attrs

from pwasync._errors import ResponseValidationError
from pwasync._structure_gen import FieldError, ModelOptions, generate_model_hook
from pwasync.models.auth import JWK, JWKSet, OpenIDConfiguration
from pwasync.models.organizations import AuthMethod
from pwasync.models.provisioning import StepStatus
from pwasync.models.sessions import Session

if TYPE_CHECKING:
    from cattrs import Converter

__all__ = ["Decoder", "parse_time", "structure", "validation_error"]

T = TypeVar("T")


# Objects that a server may send wrapped in a single key named after its struct.
_WRAPPER_KEYS: dict[type, tuple[str, ...]] = {
    Session: ("BaseSessionResponse", "Session"),
    AuthMethod: ("AuthMethod",),
}

# Models whose wire names equal the attribute names.
_SNAKE_CASE_MODELS: frozenset[type] = frozenset({OpenIDConfiguration, JWK, JWKSet})

# Alternative wire spellings (alias -> wire name) seen in the platform's
# published samples: a snake_case ``created_at`` and a Go struct tag that
# leaked into a key name. The regular spelling wins when both are present.
_WIRE_ALIASES: dict[str, dict[str, str]] = {
    "Image": {"created_at": "createdAt", "organization,omitempty": "organization"},
}

_JSON_TYPE_NAMES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def _json_type(value: object) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def _mismatch(expected: str, value: object) -> TypeError:
    # The value itself stays out of the message: it may be a token or a secret.
    return TypeError(f"expected {expected}, got {_json_type(value)}")


# Primitive hooks. cattrs' defaults call ``str(value)`` or ``bool(value)``,
# which turn any JSON value into a string and the string "false" into True.


def _structure_str(value: Any, _: Any) -> str:
    if value.__class__ is str:
        return value
    raise _mismatch("a string", value)


def _structure_int(value: Any, _: Any) -> int:
    if value.__class__ is int:
        return value
    raise _mismatch("an integer", value)


def _structure_float(value: Any, _: Any) -> float:
    if value.__class__ is float or value.__class__ is int:
        return float(value)
    raise _mismatch("a number", value)


def _structure_bool(value: Any, _: Any) -> bool:
    if value.__class__ is bool:
        return value
    raise _mismatch("a boolean", value)


def _structure_object(value: Any, _: Any) -> dict[str, Any]:
    if value.__class__ is dict:
        return value
    raise _mismatch("an object", value)


_STEP_STATUSES = {status.value: status for status in StepStatus}


def _structure_step_status(value: Any, _: Any) -> StepStatus:
    if value.__class__ is str:
        return _STEP_STATUSES.get(value, StepStatus.UNKNOWN)
    raise _mismatch("a status string", value)


_FRACTION = re.compile(r"\.(\d+)")


def parse_time(value: str) -> datetime:
    """Parse an RFC 3339 time into an aware datetime; a time without offset is UTC.

    Accepts a ``Z`` suffix and fractional seconds of any length (Go sends
    nanoseconds, which are truncated to microseconds), both of which
    ``datetime.fromisoformat`` rejects before Python 3.11.
    Raises ``ValueError`` for anything else.
    """
    text = value[:-1] + "+00:00" if value[-1:] in ("Z", "z") else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        digits = _FRACTION.search(text)
        if digits is None or len(digits.group(1)) == 6:
            raise ValueError(f"invalid RFC 3339 time {value!r}") from None
        fraction = (digits.group(1) + "000000")[:6]
        text = text[: digits.start()] + "." + fraction + text[digits.end() :]
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"invalid RFC 3339 time {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def _structure_time(value: Any, _: Any) -> datetime:
    if value.__class__ is str:
        return parse_time(value)
    raise _mismatch("an RFC 3339 time string", value)


def _structure_optional_time(value: Any, _: Any) -> datetime | None:
    if value is None or value == "":
        return None
    return _structure_time(value, None)


def _optional(hook: Callable[[Any, Any], T]) -> Callable[[Any, Any], T | None]:
    def structure_optional(value: Any, type_: Any) -> T | None:
        if value is None:
            return None
        return hook(value, type_)

    return structure_optional


def _register_primitives(converter: Converter) -> None:
    primitives: list[tuple[type, Callable[[Any, Any], Any]]] = [
        (str, _structure_str),
        (int, _structure_int),
        (float, _structure_float),
        (bool, _structure_bool),
        (StepStatus, _structure_step_status),
    ]
    for type_, hook in primitives:
        converter.register_structure_hook(type_, hook)
        optional_hook = _optional(hook)
        # ``X | None`` and ``Optional[X]`` are equal but hash apart, and cattrs
        # dispatches on the hash, so both spellings are registered.
        converter.register_structure_hook(type_ | None, optional_hook)
        converter.register_structure_hook(Optional[type_], optional_hook)  # noqa: UP045 (see above)
    converter.register_structure_hook(datetime, _structure_time)
    converter.register_structure_hook(datetime | None, _structure_optional_time)
    converter.register_structure_hook(Optional[datetime], _structure_optional_time)  # noqa: UP045 (see above)
    # Generic aliases such as ``dict[str, Any]`` can only be matched by a predicate.
    converter.register_structure_hook_func(lambda type_: type_ == dict[str, Any], _structure_object)
    converter.register_structure_hook_func(
        lambda type_: type_ == Optional[dict[str, Any]],  # noqa: UP045 (also matches ``|``)
        _optional(_structure_object),
    )


class _ElementError(Exception):
    """An element of a JSON array failed to structure; ``index`` is its position."""

    def __init__(self, index: int, cause: BaseException) -> None:
        super().__init__(f"element {index}: {cause}")
        self.index = index
        self.cause = cause


def _sequence_hook(type_: Any, build: Callable[[list[Any]], Any]) -> Callable[[Any, Any], Any]:
    element_type = get_args(type_)[0]
    # Looked up on first use: a recursive model (a child with children) would
    # otherwise ask for its own hook while that hook is being generated.
    element_hook: Callable[[Any, Any], Any] | None = None

    def structure_sequence(value: Any, _: Any) -> Any:
        nonlocal element_hook
        if value is None:
            return build([])
        if value.__class__ is not list:
            raise _mismatch("an array", value)
        if element_hook is None:
            element_hook = _get_converter().get_structure_hook(element_type)
        try:
            elements = [element_hook(element, element_type) for element in value]
        except Exception:
            pass
        else:
            return elements if build is list else build(elements)
        # Structure again one element at a time to report which one failed.
        for index, element in enumerate(value):
            try:
                element_hook(element, element_type)
            except Exception as error:
                raise _ElementError(index, error) from error
        raise AssertionError("a structuring failure did not repeat")

    return structure_sequence


def _is_homogeneous_tuple(type_: Any) -> bool:
    args = get_args(type_)
    return get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis


def _is_list(type_: Any) -> bool:
    return get_origin(type_) is list and len(get_args(type_)) == 1


def _camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _unwrap(value: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    for key in keys:
        inner = value.get(key)
        if inner is not None:
            if inner.__class__ is not dict:
                raise _mismatch(f"an object in {key!r}", inner)
            return inner
    return value


def _parse_optional_time(text: str) -> datetime | None:
    return parse_time(text) if text else None


# Watchers fetch the same steps again and again, so their times repeat.
_parse_time_cached = functools.lru_cache(maxsize=4096)(_parse_optional_time)


def _model_hook(cls: type) -> Callable[[Any, Any], Any]:
    snake_case = cls in _SNAKE_CASE_MODELS
    wire_names = {
        field.name: field.name if snake_case else _camel_case(field.name)
        for field in attrs.fields(cls)
    }
    aliases = {name: alias for alias, name in _WIRE_ALIASES.get(cls.__name__, {}).items()}
    options = ModelOptions(
        wire_names=wire_names,
        aliases=aliases,
        wrapper_keys=_WRAPPER_KEYS.get(cls, ()),
        unwrap=_unwrap,
        mismatch=_mismatch,
        parse_time=_parse_time_cached,
        status_type=StepStatus,
        statuses=_STEP_STATUSES,
        unknown_status=StepStatus.UNKNOWN,
        hook_for=_get_converter().get_structure_hook,
    )
    return generate_model_hook(cls, options)


def _register_factories(converter: Converter) -> None:
    converter.register_structure_hook_factory(attrs.has, _model_hook)
    converter.register_structure_hook_factory(
        _is_homogeneous_tuple, lambda type_: _sequence_hook(type_, tuple)
    )
    converter.register_structure_hook_factory(_is_list, lambda type_: _sequence_hook(type_, list))


@functools.cache
def _get_converter() -> Converter:
    """Return the converter, built on first use so that importing pwasync skips cattrs."""
    from cattrs import Converter

    converter = Converter(forbid_extra_keys=False)
    _register_primitives(converter)
    _register_factories(converter)
    return converter


def _describe(type_: Any) -> str:
    # get_origin comes first: before Python 3.11, list[X] also passes isinstance(.., type).
    origin = get_origin(type_)
    if origin is None:
        return getattr(type_, "__name__", str(type_))
    args = ", ".join("..." if arg is Ellipsis else _describe(arg) for arg in get_args(type_))
    return f"{getattr(origin, '__name__', str(origin))}[{args}]"


def _locate(error: BaseException, model: str) -> tuple[str, str, BaseException]:
    """Follow nested structuring errors down to the first failing value.

    Returns the innermost model name, the path of the field from the top of
    the body (such as ``[3].published``), and the innermost exception.
    """
    path = ""
    while True:
        if isinstance(error, _ElementError):
            path += f"[{error.index}]"
            error = error.cause
        elif isinstance(error, FieldError):
            model = error.model
            path += f".{error.field}"
            error = error.cause
        else:
            return model, path.lstrip("."), error


def validation_error(error: BaseException, into: Any, body: bytes) -> ResponseValidationError:
    """Build the ``ResponseValidationError`` for a failure to structure ``body`` as ``into``."""
    model, path, leaf = _locate(error, _describe(into))
    field = path.rsplit(".", 1)[-1] if "." in path else path
    detail = str(leaf) or type(leaf).__name__
    if path != field:
        detail += f" (at {path})"
    return ResponseValidationError(detail, model=model, field=field, body=body)


def structure(data: Any, into: type[T]) -> T:
    """Structure decoded JSON into ``into`` with the pwasync wire conventions.

    Raises ``ResponseValidationError`` (with an empty ``body``) on a mismatch.
    """
    try:
        return _get_converter().structure(data, into)
    except Exception as error:
        raise validation_error(error, into, b"") from error


class Decoder(Generic[T]):
    """A response body decoder for one type, with its structuring hook looked up once.

    ``into`` is a model class or a ``list``/``tuple`` of one, a primitive such as
    ``str``, or anything else the converter has a hook for. ``hook`` replaces
    the converter for bodies that need more than structuring, such as a list
    inside an envelope key.
    """

    __slots__ = ("_hook", "_into", "_name")

    def __init__(self, into: Any, *, hook: Callable[[Any], T] | None = None) -> None:
        self._into = into
        self._name = _describe(into)
        # The converter's hook is looked up on first use, so that importing
        # pwasync does not generate structuring code.
        self._hook: Callable[[Any], T] | None = hook

    @property
    def name(self) -> str:
        """The display name of the decoded type, such as ``list[Image]``."""
        return self._name

    def _converter_hook(self) -> Callable[[Any], T]:
        into = self._into
        structure_hook = _get_converter().get_structure_hook(into)

        def hook(data: Any) -> T:
            return structure_hook(data, into)  # type: ignore[no-any-return]

        return hook

    def decode(self, body: bytes) -> T:
        """Parse ``body`` as JSON and structure it.

        Raises ``ResponseValidationError`` keeping ``body`` when it is not JSON
        or its JSON does not fit the type.
        """
        hook = self._hook
        if hook is None:
            hook = self._hook = self._converter_hook()
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise ResponseValidationError(
                f"the body is not valid JSON ({len(body)} bytes)", model=self._name, body=body
            ) from None
        try:
            return hook(data)
        except ResponseValidationError as error:
            error.body = body
            raise
        except Exception as error:
            raise validation_error(error, self._into, body) from error
