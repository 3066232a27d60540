"""pwasync: an asynchronous Python SDK for the Parallel Works API 4.x.

Every public name is importable from here; the implementation modules are
private. Models are also importable from ``pwasync.models``.
"""

from __future__ import annotations

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
from pwasync.models import (
    JWK,
    AIChat,
    AuthMethod,
    Image,
    JWKSet,
    License,
    OpenIDConfiguration,
    ProvisionChild,
    ProvisionOutcome,
    ProvisionSnapshot,
    ProvisionStep,
    Session,
    StepAttribute,
    StepStatus,
)

__version__ = "0.1.0"

__all__ = [
    "JWK",
    "AIChat",
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
    "NotFoundError",
    "OpenIDConfiguration",
    "Outcome",
    "PWAsyncError",
    "PermissionDeniedError",
    "ProvisionChild",
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
]
