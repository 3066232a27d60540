"""pwasync: an asynchronous Python SDK for the Parallel Works API 4.x.

Every public name is importable from here; the implementation modules are
private. Models are also importable from ``pwasync.models``.
"""

from __future__ import annotations

import logging

from pwasync._bulk import BulkError, BulkReport, Outcome
from pwasync._client import Client
from pwasync._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    ConnectError,
    InvalidCursorError,
    NotFoundError,
    PermissionDeniedError,
    ProvisioningFailed,
    PWAsyncError,
    RateLimitError,
    RequestTimeout,
    ResponseTooLargeError,
    ResponseValidationError,
    ServerError,
    TransportError,
    WaitTimeout,
)
from pwasync._retry import RetryPolicy
from pwasync._watch import WatchStream
from pwasync._watch_many import MultiWatch
from pwasync.models import (
    JWK,
    AIChat,
    AIChatEvent,
    AIChatEventKind,
    AuthMethod,
    Image,
    JWKSet,
    License,
    OpenIDConfiguration,
    ProvisionChild,
    ProvisionEvent,
    ProvisionEventKind,
    ProvisionOutcome,
    ProvisionSnapshot,
    ProvisionStep,
    Session,
    StepAttribute,
    StepStatus,
    WatchFailure,
)

__version__ = "0.1.0"

# A library leaves logging configuration to the program. Without a handler of
# its own, Python's last-resort handler would print WARNING records, such as a
# retry that then succeeded, to stderr in every program that uses pwasync.
logging.getLogger("pwasync").addHandler(logging.NullHandler())

__all__ = [
    "JWK",
    "AIChat",
    "AIChatEvent",
    "AIChatEventKind",
    "APIError",
    "AuthMethod",
    "AuthenticationError",
    "BadRequestError",
    "BulkError",
    "BulkReport",
    "Client",
    "ClientClosedError",
    "ConflictError",
    "ConnectError",
    "Image",
    "InvalidCursorError",
    "JWKSet",
    "License",
    "MultiWatch",
    "NotFoundError",
    "OpenIDConfiguration",
    "Outcome",
    "PWAsyncError",
    "PermissionDeniedError",
    "ProvisionChild",
    "ProvisionEvent",
    "ProvisionEventKind",
    "ProvisionOutcome",
    "ProvisionSnapshot",
    "ProvisionStep",
    "ProvisioningFailed",
    "RateLimitError",
    "RequestTimeout",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "RetryPolicy",
    "ServerError",
    "Session",
    "StepAttribute",
    "StepStatus",
    "TransportError",
    "WaitTimeout",
    "WatchFailure",
    "WatchStream",
]
