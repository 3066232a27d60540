"""The pwasync exception tree.

::

    PWAsyncError
     +-- ClientClosedError
     +-- TransportError
     |    +-- ConnectError
     |    +-- RequestTimeout
     |    +-- ResponseTooLargeError
     +-- APIError                  status, method, path, request_id, message, code, body
     |    +-- BadRequestError      400, 422
     |    +-- AuthenticationError  401
     |    +-- PermissionDeniedError 403
     |    +-- NotFoundError        404
     |    +-- ConflictError        409
     |    +-- RateLimitError       429, retry_after
     |    +-- ServerError          5xx
     +-- ResponseValidationError   model, field, body
     +-- ProvisioningFailed        snapshot, failures
     +-- WaitTimeout               also a TimeoutError
     +-- InvalidCursorError

Messages never contain a credential, a query string or a request body. Response
bodies are kept on the exception (``body``) but left out of ``str`` and ``repr``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pwasync.models import ProvisionChild, ProvisionSnapshot, ProvisionStep

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "ConnectError",
    "InvalidCursorError",
    "NotFoundError",
    "PWAsyncError",
    "PermissionDeniedError",
    "ProvisioningFailed",
    "RateLimitError",
    "RequestTimeout",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "ServerError",
    "TransportError",
    "WaitTimeout",
    "error_class_for_status",
]


class PWAsyncError(Exception):
    """Root of every exception that pwasync raises."""


class ClientClosedError(PWAsyncError):
    """A client was used before ``open()`` or after ``aclose()``."""


class TransportError(PWAsyncError):
    """A request failed before a complete HTTP response arrived."""

    def __init__(self, message: str, *, method: str, path: str) -> None:
        super().__init__(message)
        self.method = method
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


class ConnectError(TransportError):
    """The connection failed or was reset before a response arrived."""


class RequestTimeout(TransportError):
    """A request attempt, or the whole call, ran out of time."""


class ResponseTooLargeError(TransportError):
    """A response body exceeded the client's ``max_response_bytes``; it was not read."""


class APIError(PWAsyncError):
    """The server answered with a non-2xx status.

    ``path`` is the route's path template (``/api/sessions/{namespace}/{name}``),
    never the filled path, so that names and query strings stay out of logs.
    ``body`` holds the raw response body for inspection; it is not part of
    ``str()``.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str,
        path: str,
        request_id: str | None = None,
        code: str | None = None,
        body: bytes = b"",
    ) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.request_id = request_id
        self.message = message
        self.code = code
        self.body = body
        super().__init__(self._compose())

    def _compose(self) -> str:
        text = f"{self.method} {self.path} returned {self.status}: {self.message}"
        if self.code:
            text += f" (code {self.code})"
        if self.request_id:
            text += f" [request id {self.request_id}]"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, method={self.method!r}, "
            f"path={self.path!r}, request_id={self.request_id!r}, message={self.message!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), (self.message,), self.__dict__))


class BadRequestError(APIError):
    """The server rejected the request as invalid (400 or 422)."""


class AuthenticationError(APIError):
    """The credential is missing, unknown or expired (401)."""


class PermissionDeniedError(APIError):
    """The caller may not act on this resource (403)."""


class NotFoundError(APIError):
    """The resource does not exist (404)."""


class ConflictError(APIError):
    """The request conflicts with the resource's current state (409)."""


class RateLimitError(APIError):
    """The server is rate limiting this client (429).

    ``retry_after`` is the wait in seconds that the server asked for, or ``None``
    when it sent no usable ``Retry-After`` header.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)

    def _compose(self) -> str:
        text = super()._compose()
        if self.retry_after is not None:
            text += f" (retry after {self.retry_after:g} s)"
        return text


class ServerError(APIError):
    """The server failed (5xx)."""


class ResponseValidationError(PWAsyncError):
    """A response body does not match the model the operation promises.

    ``model`` names the class, ``field`` the dotted path of the offending value
    (empty when the whole body is wrong), and ``body`` keeps the raw body, which
    is left out of ``str()``.
    """

    def __init__(self, detail: str, *, model: str, field: str = "", body: bytes = b"") -> None:
        self.model = model
        self.field = field
        self.detail = detail
        self.body = body
        where = f"{model}.{field}" if field else model
        super().__init__(f"invalid response for {where}: {detail}")

    def __repr__(self) -> str:
        return f"ResponseValidationError(model={self.model!r}, field={self.field!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


class ProvisioningFailed(PWAsyncError):
    """A provisioning run ended with at least one failed step or child.

    ``snapshot`` is the final state of the run; ``failures`` lists each failed
    step with its decoded error text, in step order. ``failed_children``
    lists each failed child, at any depth, paired with its top-level step.
    The message names all of them with their error text.
    """

    def __init__(self, snapshot: ProvisionSnapshot) -> None:
        self.snapshot = snapshot
        self.failures: list[ProvisionStep] = list(snapshot.failed_steps)
        self.failed_children: list[tuple[ProvisionStep, ProvisionChild]] = list(
            snapshot.failed_children
        )
        places = [f"{step.name!r} ({_error_text(step.error)})" for step in self.failures]
        places.extend(
            f"child {child.label or child.id!r} of {step.name!r} ({_error_text(child.error)})"
            for step, child in self.failed_children
        )
        where = ", ".join(places) or "no failed step or child"
        super().__init__(f"provisioning {snapshot.infra_id!r} failed at {where}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.snapshot,))


class WaitTimeout(PWAsyncError, TimeoutError):
    """A wait ended because its timeout passed before the awaited state arrived.

    ``last`` is the last state observed (a snapshot or a model), or ``None``.
    """

    def __init__(self, message: str, *, last: Any = None) -> None:
        super().__init__(message)
        self.last = last


class InvalidCursorError(PWAsyncError, ValueError):
    """A watch cursor is malformed, of an unknown version, or for another resource."""


def _error_text(error: str) -> str:
    return error.strip() or "no error text"


def _rebuild(cls: type[Exception], args: tuple[Any, ...], state: dict[str, Any]) -> Exception:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitError,
}


def error_class_for_status(status: int) -> type[APIError]:
    """Return the exception class for an HTTP error status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIError)
