"""Run one command's coroutine: logging, error reporting and exit statuses."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import NoReturn

import anyio
import click

from pwasync.cli._errors import EXIT_INTERRUPTED, command_error_for

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup

__all__ = ["configure_logging", "fail", "run_command", "unwrap_group"]


def configure_logging(*, debug: bool) -> None:
    """Send the ``pwasync`` logger's records to stderr: errors only, or everything with --debug.

    Retry warnings stay hidden without --debug, so that a failed command
    prints only its one-line error.
    """
    logger = logging.getLogger("pwasync")
    if any(getattr(handler, "_pwasync_cli", False) for handler in logger.handlers):
        logger.setLevel(logging.DEBUG if debug else logging.ERROR)
        return

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._pwasync_cli = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if debug else logging.ERROR)


def fail(message: str, *, exit_code: int) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``exit_code``."""
    click.echo(f"error: {message}", err=True)
    sys.exit(exit_code)


def run_command(
    main: Callable[[], Awaitable[int]],
    *,
    resource: str,
    base_url: str,
    debug: bool,
    on_interrupt: Callable[[], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
) -> NoReturn:
    """Run ``main`` on asyncio and exit with the status it returns.

    An exception becomes one ``error:`` line on stderr (with the traceback
    first under ``debug``), then ``on_error`` runs with it, and the command
    exits with the matching status. Ctrl-C calls ``on_interrupt`` and exits
    with status 130.
    """
    configure_logging(debug=debug)
    try:
        status = anyio.run(main, backend="asyncio")
    except KeyboardInterrupt:
        if on_interrupt is not None:
            on_interrupt()
        sys.exit(EXIT_INTERRUPTED)
    except Exception as raised:  # every failure becomes one line, see the docstring
        error = unwrap_group(raised)
        if debug:
            traceback.print_exception(type(raised), raised, raised.__traceback__)
        report = command_error_for(error, resource=resource, base_url=base_url)
        click.echo(f"error: {report.message}", err=True)
        if on_error is not None:
            on_error(error)
        sys.exit(report.exit_code)
    sys.exit(status)


def unwrap_group(error: BaseException) -> BaseException:
    """Return the first leaf exception of a (possibly nested) exception group."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error
