"""The retry policy, Retry-After parsing, and the client-wide rate-limit cooldown."""

from __future__ import annotations

import contextlib
import email.utils
import math
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

import anyio
import attrs

__all__ = ["Cooldown", "RetryPolicy", "parse_retry_after"]

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Delay-seconds as HTTP defines them (ASCII digits), with an optional decimal
# fraction. float() alone would also take "1_0", "1e3", "inf" and non-ASCII digits.
_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _check_number(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"RetryPolicy.{name} must be a number (int or float), "
            f"got {type(value).__name__} {value!r}"
        )


def _check_seconds(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    _check_number(attribute.name, value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(
            f"RetryPolicy.{attribute.name} must be a finite number of seconds, 0 or more, "
            f"got {value!r}"
        )


def _check_attempts(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"RetryPolicy.attempts must be an integer of 1 or more, got {value!r}")


def _check_multiplier(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    _check_number("multiplier", value)
    if not (math.isfinite(value) and value >= 1):
        raise ValueError(
            f"RetryPolicy.multiplier must be a finite number, 1 or more, got {value!r}"
        )


def _check_deadline(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value is None:
        return
    _check_number("deadline", value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(
            "RetryPolicy.deadline must be a finite number of seconds greater than 0, "
            f"or None for no deadline, got {value!r}"
        )


def _to_statuses(value: Iterable[int]) -> frozenset[int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(
            "RetryPolicy.retry_statuses must be a collection of int status codes, "
            f"such as {{429, 503}}, got {type(value).__name__} {value!r}"
        )
    return frozenset(value)


def _check_statuses(
    instance: object, attribute: attrs.Attribute[frozenset[int]], value: frozenset[int]
) -> None:
    for status in value:
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError(
                "RetryPolicy.retry_statuses must contain int status codes, "
                f"got {type(status).__name__} {status!r}"
            )
        if not 100 <= status <= 599:
            raise ValueError(
                f"RetryPolicy.retry_statuses must contain HTTP statuses from 100 to 599, "
                f"got {status!r}"
            )


def _check_callable(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not callable(value):
        raise TypeError(
            f"RetryPolicy.{attribute.name} must be callable, got {type(value).__name__} {value!r}"
        )


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """The rules by which a client retries failed requests.

    Idempotent methods (GET, PUT, DELETE) retry on a status in
    ``retry_statuses``, a connection error or a timeout. POST and PATCH retry
    only when the server cannot have acted on them: when the connection
    failed before the request was sent, or on 429 or 503 with ``Retry-After``.

    How long a retry waits: the server's ``Retry-After`` (seconds or an HTTP
    date) when present, otherwise for retry number ``n`` (0 for the first)::

        ceiling = min(max_delay, base_delay * multiplier ** n)
        delay = uniform(0, ceiling) if jitter else ceiling

    A ``Retry-After`` above ``max_retry_after`` raises ``RateLimitError`` (or
    ``ServerError`` for a 503) at once instead of waiting. With
    ``shared_cooldown``, a 429 with ``Retry-After`` pauses every request of
    the client until that time has passed, so concurrent work slows down as a
    whole instead of each request discovering the limit on its own. With
    ``jitter``, each paused request then resumes at a random moment within as
    long again as its pause, and waits again if another 429 arrived meanwhile,
    so the client does not spend the server's rate budget in one burst.

    ``attempts`` counts the first try, so ``RetryPolicy(attempts=1)`` never
    retries. ``deadline`` bounds a whole call in seconds, waits included; a
    retry whose wait would end after it is not made. All waits and deadlines
    use ``clock``, a monotonic clock in seconds; ``clock`` and ``sleep`` can
    be replaced in tests.
    """

    attempts: int = attrs.field(default=4, validator=_check_attempts)
    base_delay: float = attrs.field(default=0.5, validator=_check_seconds)
    multiplier: float = attrs.field(default=2.0, validator=_check_multiplier)
    max_delay: float = attrs.field(default=30.0, validator=_check_seconds)
    jitter: bool = True
    max_retry_after: float = attrs.field(default=60.0, validator=_check_seconds)
    retry_statuses: frozenset[int] = attrs.field(
        default=RETRYABLE_STATUSES, converter=_to_statuses, validator=_check_statuses
    )
    deadline: float | None = attrs.field(default=120.0, validator=_check_deadline)
    shared_cooldown: bool = True
    clock: Callable[[], float] = attrs.field(
        default=time.monotonic, eq=False, repr=False, validator=_check_callable
    )
    sleep: Callable[[float], Awaitable[None]] = attrs.field(
        default=anyio.sleep, eq=False, repr=False, validator=_check_callable
    )

    def delays(self) -> Iterator[float]:
        """Yield the backoff wait before each retry, in seconds, following the formula above."""
        import backoff  # only needed once a call retries, so kept off the import of pwasync

        waits = backoff.expo(base=self.multiplier, factor=self.base_delay, max_value=self.max_delay)
        next(waits)  # backoff's wait generators start with a priming yield
        for wait in waits:
            yield backoff.full_jitter(wait) if self.jitter else wait


def parse_retry_after(value: str | None, *, date: str | None = None) -> float | None:
    """Return the wait in seconds that a ``Retry-After`` header value requests.

    The value is a number of seconds or an HTTP date. A date is measured from
    the response's ``Date`` header when given, which removes clock skew
    between client and server, else from the local clock. A date in the past
    gives 0. A number too large for a float gives ``math.inf``, which is above
    any ``max_retry_after``. Returns ``None`` for a missing or unreadable value.
    """
    if not value:
        return None
    text = value.strip()
    if _SECONDS.fullmatch(text):
        return float(text)
    return _seconds_until(text, date)


def _seconds_until(text: str, date: str | None) -> float | None:
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    now = datetime.now(timezone.utc)
    if date:
        with contextlib.suppress(TypeError, ValueError):
            now = email.utils.parsedate_to_datetime(date)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - now).total_seconds())


class Cooldown:
    """The client-wide instant before which no request is sent.

    A 429 with ``Retry-After`` moves ``not_before`` forward (never back);
    ``pauses`` counts how many responses did so. Times come from the retry
    policy's monotonic clock.
    """

    __slots__ = ("_clock", "not_before", "pauses")

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.not_before = 0.0
        self.pauses = 0

    def remaining(self) -> float:
        """Return the seconds left until requests may be sent again, 0.0 if none."""
        return max(0.0, self.not_before - self._clock())

    def extend(self, seconds: float) -> None:
        """Pause every request of the client for ``seconds`` from now, unless already longer."""
        self.pauses += 1
        self.not_before = max(self.not_before, self._clock() + seconds)

    def __repr__(self) -> str:
        return f"<Cooldown remaining={self.remaining():.3f}s pauses={self.pauses}>"
