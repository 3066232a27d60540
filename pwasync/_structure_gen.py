"""Generated structuring functions for the models, registered as hooks of the converter.

For each model class this module writes a Python function that reads every
wire key once. It checks strings, integers, booleans, times and step statuses
inline and hands any other type to the converter's hook for it. Then it sets
the ``__dict__`` of a new instance in one step. Decoding a list of images this way takes a
fraction of the time of generic structuring followed by the frozen
``__init__``, and it is the largest cost of a call after the HTTP exchange.

Failures raise ``FieldError`` (or ``MissingFieldError`` inside it), which
the converter turns into ``ResponseValidationError``.
"""

from __future__ import annotations

import linecache
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Optional

import attrs

__all__ = ["FieldError", "MissingFieldError", "ModelOptions", "generate_model_hook"]

_MISSING = object()


class FieldError(Exception):
    """A field of a model failed to structure; ``cause`` is the reason."""

    def __init__(self, model: str, field: str, cause: BaseException) -> None:
        super().__init__(f"{model}.{field}: {cause}")
        self.model = model
        self.field = field
        self.cause = cause


class MissingFieldError(Exception):
    """A required field is absent from the object."""

    def __str__(self) -> str:
        return "the field is missing"


@attrs.frozen(kw_only=True)
class ModelOptions:
    """The wire conventions of one model and the helpers the generated code calls.

    ``mismatch(expected, value)`` builds the TypeError for a value of the
    wrong type. ``parse_time(text)`` parses an RFC 3339 time, and ``""``
    gives ``None``. ``statuses`` maps wire strings to an enum member, and
    other strings become ``unknown_status``. ``hook_for(type)`` returns the
    converter's hook for a type.
    """

    wire_names: Mapping[str, str]
    aliases: Mapping[str, str]
    wrapper_keys: tuple[str, ...]
    unwrap: Callable[[dict[str, Any], tuple[str, ...]], dict[str, Any]]
    mismatch: Callable[[str, object], TypeError]
    parse_time: Callable[[str], datetime | None]
    status_type: type
    statuses: Mapping[str, Any]
    unknown_status: Any
    hook_for: Callable[[Any], Callable[[Any, Any], Any]]


_INLINE: dict[Any, tuple[type, str]] = {}
for _type, _expected in ((str, "a string"), (int, "an integer"), (bool, "a boolean")):
    # ``X | None`` and ``Optional[X]`` are equal but hash apart, so both are keys.
    _INLINE[_type] = _INLINE[_type | None] = (_type, _expected)
    _INLINE[Optional[_type]] = (_type, _expected)  # noqa: UP045 (see above)
_TIME_TYPES = frozenset({datetime, datetime | None, Optional[datetime]})  # noqa: UP045 (see above)


def _fail(model: str, field: str, expected: str, value: object, mismatch: Any) -> FieldError:
    cause = MissingFieldError() if value is _MISSING else mismatch(expected, value)
    return FieldError(model, field, cause)


class _Writer:
    """Collects the lines and the names of one generated function."""

    def __init__(self, cls: type, options: ModelOptions) -> None:
        self.cls = cls
        self.options = options
        self.names: dict[str, Any] = {
            "__cl": cls,
            "__MISSING": _MISSING,
            "__fail": _fail,
            "__FieldError": FieldError,
            "__mismatch": options.mismatch,
        }
        self.lines: list[str] = []

    def name(self, label: str, value: Any) -> str:
        self.names[label] = value
        return label

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def fail(self, field: attrs.Attribute[Any], expected: str, var: str) -> str:
        return (
            f"raise __fail({self.cls.__name__!r}, {field.name!r}, {expected!r}, {var}, __mismatch)"
        )

    def wrap(self, field: attrs.Attribute[Any]) -> str:
        return f"raise __FieldError({self.cls.__name__!r}, {field.name!r}, error) from error"


def generate_model_hook(cls: type, options: ModelOptions) -> Callable[[Any, Any], Any]:
    """Generate and compile the structuring function of ``cls``.

    Raises ``TypeError`` for a field default made by a factory, which the
    generated code could not reproduce.
    """
    hints = typing.get_type_hints(cls)
    writer = _Writer(cls, options)
    writer.add(
        "    if o.__class__ is not dict:",
        "        raise __mismatch('an object', o)",
    )
    if options.wrapper_keys:
        writer.name("__unwrap", options.unwrap)
        writer.name("__wrapper_keys", options.wrapper_keys)
        writer.add("    if len(o) == 1:", "        o = __unwrap(o, __wrapper_keys)")
    for index, field in enumerate(attrs.fields(cls)):
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            raise TypeError(f"{cls.__name__}.{field.name}: a model default must be a plain value")
        _field(writer, index, field, hints[field.name])
    _build(writer)
    return _compile(writer)


def _field(writer: _Writer, index: int, field: attrs.Attribute[Any], type_: Any) -> None:
    """Write the lines that leave field ``index``'s structured value in ``v<index>``.

    A required field must be present; an optional one that is missing or
    ``null`` takes its default without any check.
    """
    var = f"v{index}"
    wire = writer.options.wire_names[field.name]
    alias = writer.options.aliases.get(wire)
    required = field.default is attrs.NOTHING
    if required:
        writer.add(f"    {var} = o.get({wire!r}, __MISSING)")
        if alias is not None:
            writer.add(
                f"    if {var} is __MISSING or {var} is None:",
                f"        {var} = o.get({alias!r}, __MISSING)",
            )
        writer.add("    if True:")
    else:
        writer.add(f"    {var} = o.get({wire!r})")
        if alias is not None:
            writer.add(f"    if {var} is None:", f"        {var} = o.get({alias!r})")
        if field.default is None:
            writer.add(f"    if {var} is not None:")
        else:
            default = writer.name(f"__default{index}", field.default)
            writer.add(f"    if {var} is None:", f"        {var} = {default}", "    else:")
    # Each case below writes the check of a present value, indented under the
    # branch opened above. A missing required value fails every check.
    inline = _INLINE.get(type_)
    if inline is not None:
        kind = writer.name(f"__type{index}", inline[0])
        writer.add(
            f"        if {var}.__class__ is not {kind}:",
            f"            {writer.fail(field, inline[1], var)}",
        )
    elif type_ in _TIME_TYPES:
        parse = writer.name("__parse_time", writer.options.parse_time)
        writer.add(
            f"        if {var}.__class__ is not str:",
            f"            {writer.fail(field, 'an RFC 3339 time string', var)}",
            "        try:",
            f"            {var} = {parse}({var})",
            "        except ValueError as error:",
            f"            {writer.wrap(field)}",
        )
    elif type_ is writer.options.status_type:
        statuses = writer.name("__statuses", writer.options.statuses)
        unknown = writer.name("__unknown_status", writer.options.unknown_status)
        writer.add(
            f"        if {var}.__class__ is not str:",
            f"            {writer.fail(field, 'a status string', var)}",
            f"        {var} = {statuses}.get({var}, {unknown})",
        )
    else:
        hook = writer.name(f"__hook{index}", writer.options.hook_for(type_))
        kind = writer.name(f"__type{index}", type_)
        writer.add(
            f"        if {var} is __MISSING:",
            f"            {writer.fail(field, '', var)}",
            "        try:",
            f"            {var} = {hook}({var}, {kind})",
            "        except Exception as error:",
            f"            {writer.wrap(field)}",
        )


def _build(writer: _Writer) -> None:
    cls = writer.cls
    fields = attrs.fields(cls)
    dict_descriptor = cls.__dict__.get("__dict__")
    plain = (
        isinstance(dict_descriptor, types.GetSetDescriptorType)
        and not hasattr(cls, "__attrs_post_init__")
        and all(field.validator is None and field.converter is None for field in fields)
    )
    if not plain:
        arguments = ", ".join(f"{field.alias}=v{index}" for index, field in enumerate(fields))
        writer.add(f"    return __cl({arguments})")
        return
    # A model without slots gets its whole __dict__ in one assignment, which
    # is what the frozen __init__ amounts to, minus the keyword arguments.
    assert dict_descriptor is not None
    writer.name("__new", object.__new__)
    writer.name("__set_dict", dict_descriptor.__set__)
    items = ", ".join(f"{field.name!r}: v{index}" for index, field in enumerate(fields))
    writer.add(
        "    instance = __new(__cl)",
        f"    __set_dict(instance, {{{items}}})",
        "    return instance",
    )


def _compile(writer: _Writer) -> Callable[[Any, Any], Any]:
    cls = writer.cls
    function = f"structure_{cls.__name__}"
    # The helpers are globals of the generated module: as keyword defaults
    # they would cost a dictionary lookup each on every call.
    source = "\n".join([f"def {function}(o, _=None):", *writer.lines]) + "\n"
    filename = f"<pwasync generated structure {cls.__module__}.{cls.__qualname__}>"
    namespace = dict(writer.names)
    exec(compile(source, filename, "exec"), namespace)
    # Registered so that tracebacks through the generated code show its lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return namespace[function]  # type: ignore[no-any-return]
