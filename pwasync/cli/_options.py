"""Options shared by every command that talks to an API server, and the client they build."""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

import attrs
import click
from click.core import ParameterSource

from pwasync import Client
from pwasync.cli._errors import EXIT_USAGE, CommandError, describe_origin
from pwasync.cli._render import Output

__all__ = [
    "NAME",
    "SECONDS",
    "CommonOptions",
    "FiniteFloatRange",
    "common_options",
    "connect",
    "interval_options",
    "output_options",
]

_Command = TypeVar("_Command", bound=Callable[..., Any])

API_KEY_VARIABLE = "PW_API_KEY"
TOKEN_VARIABLE = "PW_TOKEN"
HOST_VARIABLE = "PW_PLATFORM_HOST"
BASE_URL_VARIABLE = "PW_BASE_URL"


class FiniteFloatRange(click.FloatRange):
    """A ``click.FloatRange`` that also rejects ``nan`` and infinities, which pass its bounds."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


class NonEmptyText(click.types.StringParamType):
    """A string argument that must contain more than whitespace, such as a name or an id."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = super().convert(value, param, ctx)
        if not text.strip():
            self.fail(f"{value!r} is empty; give a name or an id.", param, ctx)
        return text


SECONDS = FiniteFloatRange(min=0, min_open=True)
NAME = NonEmptyText()


@attrs.frozen
class CommonOptions:
    """The connection and output options of one command invocation."""

    base_url: str | None
    insecure: bool
    json_mode: bool
    debug: bool

    def output(self) -> Output:
        """Return the output channel these options select."""
        return Output(json_mode=self.json_mode)

    def target(self) -> str:
        """Describe where requests go, for error messages; never contains a credential."""
        base_url = self.base_url or os.environ.get(BASE_URL_VARIABLE, "").strip()
        if base_url:
            return describe_origin(base_url)
        host = os.environ.get(HOST_VARIABLE, "").strip()
        if host:
            # The client takes a host that carries a scheme as the whole URL.
            return describe_origin(host if "://" in host else f"https://{host}")
        try:
            # The client derives the URL from the host encoded in the credential.
            return describe_origin(Client.from_env(allow_insecure_http=True).base_url)
        except (TypeError, ValueError):
            return "the platform host of PW_API_KEY"


def output_options(func: _Command) -> _Command:
    """Add ``--json`` and ``--debug`` to a command, passed on as ``json_mode`` and ``debug``."""
    func = click.option(
        "--debug",
        is_flag=True,
        help="Show tracebacks and log every request (method, path, status) to stderr.",
    )(func)
    func = click.option(
        "--json",
        "json_mode",
        is_flag=True,
        help="Print one JSON object per line instead of text.",
    )(func)
    return func


def common_options(func: _Command) -> _Command:
    """Add the connection and output options to a command, passed on as ``options``."""

    @functools.wraps(func)
    def wrapper(
        *args: Any,
        base_url: str | None,
        insecure: bool,
        json_mode: bool,
        debug: bool,
        **kwargs: Any,
    ) -> Any:
        options = CommonOptions(
            base_url=base_url, insecure=insecure, json_mode=json_mode, debug=debug
        )
        return func(*args, options=options, **kwargs)

    command = output_options(wrapper)
    command = click.option(
        "--insecure",
        is_flag=True,
        help="Allow plain http:// to a host other than 127.0.0.1 or localhost.",
    )(command)
    command = click.option(
        "--base-url",
        metavar="URL",
        help=(
            "API server origin, such as https://cloud.parallel.works. Default: "
            f"${BASE_URL_VARIABLE}, else https:// and ${HOST_VARIABLE}, "
            f"else the host inside ${API_KEY_VARIABLE}."
        ),
    )(command)
    return cast(_Command, command)


def connect(options: CommonOptions) -> Client:
    """Build a client from the environment, with the command's options taking precedence.

    Raises ``CommandError`` (exit status 2) when ``PW_API_KEY`` is missing or
    the configuration is invalid, such as plain http to a remote host without
    ``--insecure``.
    """
    if not any(os.environ.get(name, "").strip() for name in (API_KEY_VARIABLE, TOKEN_VARIABLE)):
        raise CommandError(
            f"missing credentials: set {API_KEY_VARIABLE} to a Parallel Works API key "
            f"(export {API_KEY_VARIABLE}=pwt_...) or {TOKEN_VARIABLE} to a token, "
            "then run the command again",
            exit_code=EXIT_USAGE,
        )
    environ = dict(os.environ)
    if options.base_url:
        environ[BASE_URL_VARIABLE] = options.base_url
    try:
        return Client.from_env(environ=environ, allow_insecure_http=options.insecure)
    except ValueError as error:
        message = _configuration_message(error, environ, options)
        raise CommandError(message, exit_code=EXIT_USAGE) from None


def _configuration_message(
    error: ValueError, environ: dict[str, str], options: CommonOptions
) -> str:
    if not options.insecure:
        # The SDK's message names its Python option; on the command line it is --insecure.
        try:
            Client.from_env(environ=environ, allow_insecure_http=True)
        except ValueError:
            pass
        else:
            return (
                f"plain http to {options.target()} would send the credential unencrypted; "
                "use https, or pass --insecure if the network is trusted"
            )
    return f"invalid configuration: {error}"


def interval_options(func: _Command) -> _Command:
    """Add ``--interval`` and ``--max-interval`` (seconds) to a command that polls.

    A ``--max-interval`` given below ``--interval`` is a usage error. When
    only ``--interval`` is given, above the default maximum, the maximum
    becomes ``--interval``.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, interval: float, max_interval: float, **kwargs: Any) -> Any:
        if max_interval < interval:
            context = click.get_current_context()
            if context.get_parameter_source("max_interval") is not ParameterSource.DEFAULT:
                raise click.BadParameter(
                    f"{max_interval:g} is below --interval {interval:g}; "
                    "give a --max-interval of at least --interval",
                    ctx=context,
                    param_hint="'--max-interval'",
                )
            max_interval = interval
        return func(*args, interval=interval, max_interval=max_interval, **kwargs)

    command = wrapper
    command = click.option(
        "--max-interval",
        type=SECONDS,
        default=30.0,
        show_default=True,
        help="Maximum poll interval while nothing changes, in seconds.",
    )(command)
    command = click.option(
        "--interval",
        type=SECONDS,
        default=2.0,
        show_default=True,
        help="First poll interval, in seconds; polling returns to it after each change.",
    )(command)
    return cast(_Command, command)
