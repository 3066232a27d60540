"""Run one command's coroutine: logging, error reporting and exit statuses."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import NoReturn

import anyio
import click

from pwasync.cli._errors import EXIT_FAILED, EXIT_INTERRUPTED, command_error_for

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
    exits with the matching status. Ctrl-C cancels ``main``, calls
    ``on_interrupt`` and exits with status 130.
    """
    configure_logging(debug=debug)
    interruption = _Interruption()
    try:
        status = anyio.run(interruption.run, main, backend="asyncio")
    except KeyboardInterrupt:
        # Where the event loop cannot handle signals (Windows), Ctrl-C arrives here.
        interruption.interrupted = True
        status = EXIT_INTERRUPTED
    except BaseException as raised:
        error = unwrap_group(raised)
        if isinstance(error, BrokenPipeError) or not isinstance(error, Exception):
            _exit_quietly(error, raised)
        if debug:
            traceback.print_exception(type(raised), raised, raised.__traceback__)
        report = command_error_for(error, resource=resource, base_url=base_url)
        click.echo(f"error: {report.message}", err=True)
        if on_error is not None:
            on_error(error)
        sys.exit(report.exit_code)

    if interruption.interrupted:
        if on_interrupt is not None:
            on_interrupt()
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(status)


def _exit_quietly(error: BaseException, raised: BaseException) -> NoReturn:
    """Exit without an error line when stdout closed early or the command asked to exit."""
    if isinstance(error, BrokenPipeError):
        # The reader of stdout went away (as with `| head`). Point stdout at
        # /dev/null so that the flush at exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_FAILED)
    if isinstance(error, SystemExit):
        # rich exits this way when stdout closes while it writes.
        raise error
    if isinstance(error, KeyboardInterrupt):
        sys.exit(EXIT_INTERRUPTED)
    raise raised


class _Interruption:
    """A Ctrl-C handler that cancels the command, so that it cleans up and exits 130.

    Without it, ``anyio.run`` on Python 3.10 (seen with anyio 4.16) ends an
    interrupted command with an unhandled ``CancelledError`` instead of
    ``KeyboardInterrupt``.
    """

    def __init__(self) -> None:
        self.interrupted = False

    async def run(self, main: Callable[[], Awaitable[int]]) -> int:
        loop = asyncio.get_running_loop()
        with anyio.CancelScope() as scope:

            def cancel() -> None:
                self.interrupted = True
                scope.cancel()

            # Without signal support (Windows, other threads) Ctrl-C stays a KeyboardInterrupt.
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signal.SIGINT, cancel)
            try:
                return await main()
            finally:
                loop.remove_signal_handler(signal.SIGINT)
        return EXIT_INTERRUPTED


def unwrap_group(error: BaseException) -> BaseException:
    """Return the first leaf exception of a (possibly nested) exception group."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error
