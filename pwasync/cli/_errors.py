"""One-line error messages and exit statuses for the ``pwasync`` command.

Every failure that reaches the command line becomes a ``CommandError``: one
sentence saying what failed, on which resource, and what to do next. The SDK's
exception messages never contain a credential, and nothing here adds one.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from pwasync import (
    APIError,
    AuthenticationError,
    ConnectError,
    InvalidCursorError,
    NotFoundError,
    PermissionDeniedError,
    ProvisioningFailed,
    PWAsyncError,
    RateLimitError,
    RequestTimeout,
    ResponseValidationError,
    ServerError,
    TransportError,
    WaitTimeout,
)

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TIMEOUT",
    "EXIT_USAGE",
    "CommandError",
    "command_error_for",
    "describe_origin",
]

EXIT_OK = 0
EXIT_FAILED = 1
# Click uses 2 for usage errors; missing credentials and timeouts share it
# because in both cases the same command can succeed once the caller acts.
EXIT_USAGE = 2
EXIT_TIMEOUT = 2
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """A failure to report on one line, with the exit status the command ends with."""

    def __init__(self, message: str, *, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def command_error_for(error: BaseException, *, resource: str, base_url: str) -> CommandError:
    """Translate an SDK exception into a one-line ``CommandError``.

    ``resource`` names what the command acted on ("provisioning run 'abc' in
    organization 'acme'"), ``base_url`` where it sent requests. Exceptions
    that are not pwasync's are returned as a generic failure so that the
    caller can still print one line.
    """
    if isinstance(error, CommandError):
        return error
    if isinstance(error, ProvisioningFailed):
        return CommandError(str(error), exit_code=EXIT_FAILED)
    if isinstance(error, WaitTimeout):
        # The SDK's message advises Python callers, so it is not repeated here.
        return CommandError(
            f"timed out waiting for {resource}; "
            "rerun with a longer --timeout, or without --timeout to wait until it ends",
            exit_code=EXIT_TIMEOUT,
        )
    if isinstance(error, InvalidCursorError):
        # The SDK's advice, after the first "; ", addresses Python callers.
        reason = str(error).split("; ", 1)[0].removeprefix("invalid watch cursor: ")
        return CommandError(
            f"invalid --cursor for {resource}: {reason}; pass a cursor that "
            "'pwasync provision watch' printed for the same run, or leave out --cursor "
            "to start from the beginning",
            exit_code=EXIT_USAGE,
        )
    if isinstance(error, APIError):
        return CommandError(_describe_api_error(error, resource=resource, base_url=base_url))
    if isinstance(error, TransportError):
        return CommandError(_describe_transport_error(error, base_url=base_url))
    if isinstance(error, ResponseValidationError):
        return CommandError(
            f"unexpected response from {base_url} for {resource}: {error}; "
            "check that --base-url points at a Parallel Works API 4.x server"
        )
    if isinstance(error, PWAsyncError):
        return CommandError(f"{resource}: {error}")
    return CommandError(f"{type(error).__name__} while working on {resource}: {error}")


def _describe_api_error(error: APIError, *, resource: str, base_url: str) -> str:
    if isinstance(error, AuthenticationError):
        if os.environ.get("PW_API_KEY", "").strip() or not os.environ.get("PW_TOKEN", "").strip():
            advice = "check that PW_API_KEY holds a valid key for this platform"
        else:
            advice = "check that PW_TOKEN holds a valid, unexpired token for this platform"
        return (
            f"authentication failed at {base_url} ({error.status}): the server rejected "
            f"the credential; {advice}"
        )
    if isinstance(error, PermissionDeniedError):
        return (
            f"permission denied for {resource} ({error.status}: {error.message}); "
            "use a key of a user in that organization, or ask an administrator for access"
        )
    if isinstance(error, NotFoundError):
        return f"{resource} not found ({error}); check the names and ids given"
    if isinstance(error, RateLimitError):
        after = "" if error.retry_after is None else f" after {error.retry_after:g} s"
        return f"rate limited by {base_url} while working on {resource}; try again{after}"
    if isinstance(error, ServerError):
        return f"server error from {base_url} for {resource} ({error}); try again later"
    return f"request for {resource} failed ({error})"


def _describe_transport_error(error: TransportError, *, base_url: str) -> str:
    if isinstance(error, RequestTimeout):
        return (
            f"request to {base_url} timed out ({error}); "
            "check the network, or that the server is running"
        )
    if isinstance(error, ConnectError):
        return (
            f"could not connect to {base_url} ({error}); check that the server is running, "
            "or choose another server with --base-url, PW_BASE_URL or PW_PLATFORM_HOST"
        )
    return f"request to {base_url} failed ({error})"


def describe_origin(base_url: str) -> str:
    """Return ``scheme://host[:port]`` of ``base_url``, dropping any path or query."""
    parts = urlsplit(base_url)
    if not parts.scheme or not parts.netloc:
        return base_url
    host = parts.hostname or ""
    if ":" in host:
        # urlsplit drops the brackets of an IPv6 address; a URL needs them.
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}"
